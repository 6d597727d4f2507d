import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { reporting } from '../../vitest.shared.js';

export default defineConfig({
  resolve: { alias: { '@fivecolor/core': fileURLToPath(new URL('./src/index.ts', import.meta.url)) } },
  test: {
    ...reporting,
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
  },
});
