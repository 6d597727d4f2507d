// Shared by the self-service elements' browser tests: the real API (PGlite in memory) on a socket, which
// also serves the test page and the bundle of every element (same origin), a party with records, and sessions.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { residentId, startTestServer, type TestAppOptions, type TestServer } from '@fivecolor/api/testing';
import type { Page } from 'playwright-core';
import { DIST_DIR, testPage } from './harness.js';

export type { TestServer };

/** The Asia/Shanghai date `days` from today. */
export const cstDay = (days: number): string =>
  new Date(Date.now() + 8 * 3_600_000 + days * 86_400_000).toISOString().slice(0, 10);

/** The API, serving `/` (a page loading `/fivecolor-elements.js`) and the built bundle itself; `now` its clock. */
export const startPortalApi = (opts: Pick<TestAppOptions, 'now'> = {}): Promise<TestServer> =>
  startTestServer({
    ...opts,
    reports: { court: '浙02' },
    extra: async (req) => {
      const path = new URL(req.url).pathname;
      if (path === '/')
        return new Response(testPage('fivecolor-elements.js'), {
          headers: { 'content-type': 'text/html; charset=utf-8' },
        });
      if (path === '/fivecolor-elements.js')
        return new Response(await readFile(join(DIST_DIR, 'fivecolor-elements.js')), {
          headers: { 'content-type': 'text/javascript; charset=utf-8' },
        });
      return undefined;
    },
  });

/**
 * A person with a yellow record in force (Y14), a red one that ended (R04, two years from three years
 * ago) and a yellow one repaired (Y14 + B01): registered as `n`, records entered by enforcement of 浙02.
 */
export async function partyWithRecords(api: TestServer, n: number, name = '章某某') {
  const enforcement = api.as('enforcement');
  const partyId = await api.registerPerson(n, name);
  const record = (category: string, no: number, effectiveFrom: string) =>
    enforcement.record.create.mutate({
      partyId,
      category,
      court: '浙0212',
      caseNumber: `（2025）浙0212执${no}号`,
      effectiveFrom,
    });
  const ended = await record('R04', 11, cstDay(-3 * 365));
  const active = await record('Y14', 12, cstDay(-60));
  const repairedOne = await record('Y14', 13, cstDay(-200));
  await enforcement.record.repair.mutate({
    partyId,
    repairs: [repairedOne.recordId],
    court: '浙0212',
    caseNumber: '（2025）浙0212执恢1号',
    effectiveFrom: cstDay(-30),
  });
  return { partyId, ended: ended.recordId, active: active.recordId, repaired: repairedOne.recordId };
}

/** A party session for `partyId`, minted with the test server's portal key. */
export const sessionFor = async (api: TestServer, partyId: string): Promise<string> =>
  (await api.as('portal').party.issueSession.mutate({ partyId })).token;

/** The same token with its signature changed: a session this court never issued. */
export const foreign = (token: string): string => {
  const [h, p, s = ''] = token.split('.');
  return `${h}.${p}.${s.startsWith('A') ? 'B' : 'A'}${s.slice(1)}`;
};

/** Opens the test page and adds `<tag api lang>` with `.session` set (a property, never an attribute). */
export async function mount(page: Page, url: string, tag: string, session: string, lang = ''): Promise<void> {
  await page.goto(url);
  await page.evaluate(
    async ([t, api, s, l]) => {
      await customElements.whenDefined(t as string);
      const el = document.createElement(t as string) as HTMLElement & { session: string };
      el.setAttribute('api', api as string);
      if (l) el.setAttribute('lang', l as string);
      el.session = s as string;
      document.querySelector('#root')!.append(el);
    },
    [tag, url, session, lang] as const,
  );
}

/** The element's shadow text, whitespace collapsed. */
export const shadowTextOf = (page: Page, tag: string): Promise<string> =>
  page.evaluate(
    (t) => document.querySelector(t)?.shadowRoot?.textContent?.replace(/\s+/g, ' ').trim() ?? '',
    tag,
  );

/** Resolves with the next `type` event's detail on `tag` (listen before acting). */
export const nextEvent = (page: Page, tag: string, type: string): Promise<unknown> =>
  page.evaluate(
    ([t, ty]) =>
      new Promise((resolve) =>
        document
          .querySelector(t as string)!
          .addEventListener(ty as string, (e) => resolve((e as CustomEvent).detail ?? null), {
            once: true,
          }),
      ),
    [tag, type] as const,
  );

export { residentId };
