import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const dir = new URL('./', import.meta.url);
const routerFiles = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));

/** The relative modules a source file imports (static imports and re-exports). */
function importsOf(source: string): string[] {
  return [...source.matchAll(/\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1] as string);
}

// Routers are thin: input schema, the caller from the middleware, one service call, the outcome mapped
// to tRPC. The database and the audit trail are reached through services only.
const FORBIDDEN = [/^\.\.\/db\//, /^\.\.\/audit\//, /^\.\.\/state\//];

describe('routers', () => {
  it('exist (the check below reads real files)', () => {
    expect(routerFiles).toContain('record.ts');
    expect(routerFiles.length).toBeGreaterThanOrEqual(8);
  });

  it.each(routerFiles)('%s reaches the database only through services', (file) => {
    const imports = importsOf(readFileSync(new URL(file, dir), 'utf8'));
    expect(imports.filter((i) => FORBIDDEN.some((re) => re.test(i)))).toEqual([]);
  });

  it('the check finds a forbidden import when there is one', () => {
    const source = "import { records } from '../db/schema.js';\nimport { z } from 'zod';";
    expect(importsOf(source).filter((i) => FORBIDDEN.some((re) => re.test(i)))).toEqual(['../db/schema.js']);
  });
});
