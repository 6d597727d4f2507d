/** The outcome of a public API GET: the HTTP status and the parsed JSON body (`undefined` if none). */
export interface JsonResponse {
  status: number;
  body: unknown;
}

/** Joins the `api` base URL and a path (`https://x/api/` + `/v1/…`). */
export const apiUrl = (api: string, path: string): string => `${api.replace(/\/+$/, '')}${path}`;

/**
 * GETs JSON without credentials; rejects only on network failure or abort. `cache: 'no-cache'` asks the
 * server even when the browser holds a fresh copy.
 */
export const fetchJson = async (
  url: string,
  signal: AbortSignal,
  cache: RequestCache = 'default',
): Promise<JsonResponse> => {
  const res = await fetch(url, {
    signal,
    cache,
    credentials: 'omit',
    headers: { accept: 'application/json' },
  });
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  return { status: res.status, body };
};
