import { defineConfig } from 'vitest/config';
import { reporting } from '../../vitest.shared.js';

// Unit tests of the console's pure helpers; the browser tests of the whole console are in
// apps/server/test/console.test.ts (they need the server, which depends on this package).
export default defineConfig({
  test: {
    ...reporting,
    include: ['src/**/*.test.ts'],
  },
});
