// `@fivecolor/api/testing`: helpers for tests that need a real database (this package's, the server's,
// an integrator's). Not for production code.

export type { DbKind } from './test-db.js';
export { createTestDatabase, dbKinds, openTestDb } from './test-db.js';
