// Renders docs/catalog.md from the shipped catalog, so the table cannot drift from the data.
// Write it: pnpm --filter @fivecolor/core run docs:catalog   (a test fails when the file is stale)
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import data from '../src/catalog.json' with { type: 'json' };

export const catalogDocPath = fileURLToPath(new URL('../../../docs/catalog.md', import.meta.url));

const cell = (s) => s.replaceAll('|', '\\|');

export function renderCatalogDoc() {
  const rows = data.categories.map(
    (c) =>
      `| \`${c.code}\` | ${c.color} | ${cell(c.zh)} | ${cell(c.en)} | ${c.duration ?? 'indefinite'} | ${c.repairable ? 'yes' : 'no'} | ${cell(c.basis)} |`,
  );
  return [
    '# The catalog: 29 categories',
    '',
    '<!-- Generated from packages/core/src/catalog.json by packages/core/scripts/catalog-doc.mjs. Do not edit. -->',
    '',
    `Policy \`${data.version}\`. Durations are ISO 8601, counted in calendar units from \`effectiveFrom\``,
    '(Asia/Shanghai); "indefinite" lasts until a later decision ends it. `N01` is the implicit state of every',
    'party and is never entered as a record. A repairable record stops counting from the first day of a `B01`',
    'repair that lists it. See [core.md](core.md) for the rules.',
    '',
    '| code | color | 名称 | name | default term | repairable | legal basis |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(catalogDocPath, renderCatalogDoc());
  console.log(`wrote ${catalogDocPath}`);
}
