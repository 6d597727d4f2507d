import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('src/app-router.gen.ts matches the API it was generated from', () => {
  const script = fileURLToPath(new URL('../scripts/gen-router-types.mjs', import.meta.url));
  const out = execFileSync('node', [script, '--check'], { encoding: 'utf8' });
  expect(out).toContain('up to date');
});
