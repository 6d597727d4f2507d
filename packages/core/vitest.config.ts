import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { alias: { '@fivecolor/core': fileURLToPath(new URL('./src/index.ts', import.meta.url)) } },
  test: { include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'] },
});
