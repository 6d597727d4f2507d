/** A fetch that threw before any response (DNS, refused, reset, CORS): safe to classify as transient. */
export class NetworkError extends Error {
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`network error: no response from ${new URL(url).origin} (${why})`, { cause });
    this.name = 'NetworkError';
  }
}

/** A response that is not the API's JSON (a proxy's 502 page, a wrong URL): its status is what counts. */
export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly url: string,
  ) {
    super(
      `HTTP ${status} from ${new URL(url).origin}${new URL(url).pathname} (not a Five-Color API response)`,
    );
    this.name = 'HttpStatusError';
  }
}

/** What the client needs of `fetch`. */
export type FetchLike = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

const urlOf = (input: unknown) =>
  typeof input === 'string' ? input : input instanceof URL ? input.href : (input as Request).url;

/**
 * Wraps `fetch` so transport failures are told apart from the server's answers: a throw before a
 * response becomes a {@link NetworkError} (aborts pass through), a non-JSON response an
 * {@link HttpStatusError}.
 */
export function classifyingFetch(base: FetchLike): FetchLike {
  return async function fivecolorFetch(input, init) {
    let res: Response;
    try {
      res = await base(input, init);
    } catch (err) {
      if (init?.signal?.aborted || (err as Error | undefined)?.name === 'AbortError') throw err;
      throw new NetworkError(urlOf(input), err);
    }
    if (res.status !== 304 && !(res.headers.get('content-type') ?? '').includes('json')) {
      await res.body?.cancel();
      throw new HttpStatusError(res.status, urlOf(input));
    }
    return res;
  };
}

/** The global fetch, resolved at call time (so a polyfill or a test's stub installed later is used). */
export const globalFetch: FetchLike = (input, init) => globalThis.fetch(input, init);
