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

/**
 * Serves the partner playground at `/playground/` and the court console at `/console/`, each with the
 * elements bundle beside its pages (as a partner would host or link it), from memory.
 */
export function mountStaticSites(app: Hono): void {
  const bundle = readFileSync(elementsBundlePath());
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
