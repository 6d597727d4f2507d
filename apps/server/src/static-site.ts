import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context, Hono } from 'hono';

/** What a site may serve; anything else in its folder (package.json, README) stays private. */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** Every file below `dir`, keyed by its path relative to it (read once: the sites are small and static). */
function readTree(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  if (!existsSync(dir)) return files; // not built yet: `pnpm build` (or `pnpm start`) builds it
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) {
        if (name !== 'node_modules' && !name.startsWith('.')) walk(p);
      } else if (TYPES[extname(name)]) files.set(relative(dir, p).split('\\').join('/'), readFileSync(p));
    }
  };
  walk(dir);
  return files;
}

/** The bundles a partner page loads with one script tag, served at `/assets/<name>`, and where they are built. */
const BUNDLES = {
  'fivecolor-elements.js': ['@fivecolor/elements', 'fivecolor-elements.js'],
  'fivecolor-badge.js': ['@fivecolor/elements', 'fivecolor-badge.js'],
  'fivecolor-portal.js': ['@fivecolor/elements', 'fivecolor-portal.js'],
  'fivecolor-client.js': ['@fivecolor/client', 'fivecolor-client.browser.js'],
} as const;

/** A bundle's file in the `dist/` of its package. */
function bundlePath([pkg, file]: readonly [string, string]): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve(`${pkg}/package.json`)), 'dist', file);
}

const appsDir = fileURLToPath(new URL('../../', import.meta.url));

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

const PAGE_TEXT = {
  'zh-CN': {
    title: '诚信诉讼码核验',
    note: '本页由法院诚信诉讼系统直接提供，显示该诚信诉讼码的当前状态（姓名已脱敏）。',
    unknown: '没有这个诚信诉讼码：链接有误，或该码已被撤销。',
    other: 'English',
  },
  en: {
    title: 'Integrity-litigation code check',
    note: "This page is served by the court's integrity-litigation system and shows the code's current state (name masked).",
    unknown: 'There is no such code: the link is wrong, or the code was revoked.',
    other: '中文',
  },
} as const;

/**
 * The court's own page for a badge (`verifyUrl` of the badge route points here): whoever scans or follows
 * a partner's badge link sees the code as served by the court's origin, not as the partner drew it. The
 * badge on it links nowhere (`verify-link="none"`): this page is the court's check.
 */
function badgePage(token: string, origin: string, lang: 'zh-CN' | 'en', known: boolean): string {
  const t = escapeHtml(token);
  const text = PAGE_TEXT[lang];
  const other = lang === 'en' ? 'zh-CN' : 'en';
  const body = known
    ? `<fivecolor-badge token="${t}" api="${escapeHtml(origin)}" lang="${lang}" verify-link="none"></fivecolor-badge>
<p>${text.note}</p>`
    : `<p role="alert">${text.unknown}</p>`;
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${text.title}</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<script type="module" src="/assets/fivecolor-badge.js"></script>
<style>body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;margin:0;background:#f3f4f6;color:#1b1f24}
main{max-width:520px;margin:40px auto;padding:24px;background:#fff;border-radius:8px}h1{font-size:20px}p{font-size:14px;color:#4b5563}
nav{text-align:right;font-size:14px}a{color:#1d4ed8}</style>
</head>
<body>
<main>
<nav><a href="?lang=${other}" hreflang="${other}" lang="${other}">${text.other}</a></nav>
<h1>${text.title}</h1>
${body}
</main>
</body>
</html>
`;
}

/**
 * The court console's security headers: its own origin only (no inline script; styles from its stylesheet
 * and the elements' constructed sheets, set through the CSSOM), never framed, no referrer, no sensors.
 */
export const CONSOLE_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
} as const;

/** A static file for other origins: CORS `*`, an ETag (304 when it matches) and a short max-age. */
function asset(body: Buffer, type: string) {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  const headers = {
    'Content-Type': type,
    'Cache-Control': 'public, max-age=300',
    ETag: etag,
    'Access-Control-Allow-Origin': '*',
    'Cross-Origin-Resource-Policy': 'cross-origin',
    'X-Content-Type-Options': 'nosniff',
  };
  return (c: Context) =>
    c.req.header('if-none-match') === etag
      ? c.body(null, 304, headers)
      : c.body(new Uint8Array(body), 200, headers);
}

/**
 * Serves the elements' bundles and the SDK's browser build at `/assets/` (for pages on any origin), the court's badge page at
 * `/badge/:token`, and the partner playground at `/playground/` and the court console at `/console/`,
 * each with the elements bundle beside its pages (as a partner would host it), all from memory.
 */
export function mountStaticSites(app: Hono): void {
  const bundles = new Map(
    Object.entries(BUNDLES).map(([name, where]) => [name, readFileSync(bundlePath(where))]),
  );
  for (const [name, body] of bundles) app.get(`/assets/${name}`, asset(body, TYPES['.js'] as string));
  const favicon = readFileSync(join(appsDir, 'playground', 'favicon.svg'));
  app.get('/assets/favicon.svg', asset(favicon, TYPES['.svg'] as string));
  app.get('/favicon.ico', (c) => c.redirect('/assets/favicon.svg', 301));
  app.get('/badge/:token', async (c) => {
    const token = c.req.param('token');
    const lang = c.req.query('lang') === 'en' ? 'en' : 'zh-CN';
    const origin = new URL(c.req.url).origin;
    const known = (await app.request(`${origin}/v1/badge/${encodeURIComponent(token)}`)).status === 200;
    c.header('Cache-Control', 'no-store');
    return c.html(badgePage(token, origin, lang, known), known ? 200 : 404);
  });
  for (const site of ['playground', 'console']) {
    // The console is built (apps/console/dist: its bundle, page and styles); the playground is served as written.
    const dir = site === 'console' ? join(appsDir, site, 'dist') : join(appsDir, site);
    const files = readTree(dir);
    files.set('fivecolor-elements.js', bundles.get('fivecolor-elements.js') as Buffer);
    files.set('fivecolor-portal.js', bundles.get('fivecolor-portal.js') as Buffer);
    app.get(`/${site}`, (c) => c.redirect(`/${site}/`));
    app.get(`/${site}/*`, (c) => {
      let path = c.req.path.slice(site.length + 2);
      if (path === '' || path.endsWith('/')) path += 'index.html';
      const body = files.get(path);
      if (!body) return c.json({ error: 'not found' }, 404);
      return c.body(new Uint8Array(body), 200, {
        'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream',
        'Cache-Control': 'no-cache',
        'X-Content-Type-Options': 'nosniff',
        ...(site === 'console' ? CONSOLE_HEADERS : {}),
      });
    });
  }
}
