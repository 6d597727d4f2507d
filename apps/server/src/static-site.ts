import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';

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

/** The elements bundle a partner page loads with one script tag. */
export function elementsBundlePath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@fivecolor/elements/package.json')), 'dist', 'fivecolor-elements.js');
}

const appsDir = fileURLToPath(new URL('../../', import.meta.url));

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/**
 * The court's own page for a badge (`verifyUrl` of the badge route points here): whoever scans or follows
 * a partner's badge link sees the code as served by the court's origin, not as the partner drew it.
 */
function badgePage(token: string, origin: string): string {
  const t = escapeHtml(token);
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>诚信诉讼码核验 · Integrity code check</title>
<script type="module" src="/assets/fivecolor-elements.js"></script>
<style>body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;margin:0;background:#f3f4f6;color:#1b1f24}
main{max-width:520px;margin:40px auto;padding:24px;background:#fff;border-radius:8px}h1{font-size:20px}p{font-size:14px;color:#4b5563}</style>
</head>
<body>
<main>
<h1>诚信诉讼码核验 <small>Integrity-litigation code check</small></h1>
<fivecolor-badge token="${t}" api="${escapeHtml(origin)}"></fivecolor-badge>
<p>本页由法院诚信诉讼系统直接提供，显示该诚信诉讼码的当前状态（姓名已脱敏）。This page is served by the court's integrity-litigation system and shows the code's current state (name masked).</p>
</main>
</body>
</html>
`;
}

/**
 * Serves the partner playground at `/playground/` and the court console at `/console/`, each with the
 * elements bundle beside its pages (as a partner would host or link it), the bundle itself at
 * `/assets/fivecolor-elements.js`, and the court's badge page at `/badge/:token`, all from memory.
 */
export function mountStaticSites(app: Hono): void {
  const bundle = readFileSync(elementsBundlePath());
  app.get('/assets/fivecolor-elements.js', (c) =>
    c.body(new Uint8Array(bundle), 200, {
      'Content-Type': TYPES['.js'] as string,
      'Cache-Control': 'public, max-age=300',
    }),
  );
  app.get('/badge/:token', (c) => c.html(badgePage(c.req.param('token'), new URL(c.req.url).origin)));
  for (const site of ['playground', 'console']) {
    const dir = join(appsDir, site);
    const files = readTree(dir);
    files.set('fivecolor-elements.js', bundle);
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
      });
    });
  }
}
