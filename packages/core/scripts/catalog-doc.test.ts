import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { catalogDocPath, renderCatalogDoc } from './catalog-doc.mjs';

it('docs/catalog.md is the catalog as shipped (regenerate with pnpm --filter @fivecolor/core run docs:catalog)', () => {
  const doc = readFileSync(catalogDocPath, 'utf8');
  expect(doc).toBe(renderCatalogDoc());
  expect(doc.split('\n').filter((l) => /^\| `[A-Z]\d\d` /.test(l))).toHaveLength(29);
});
