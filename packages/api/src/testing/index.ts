// `@fivecolor/api/testing`: helpers for tests that need a real database and the API (this package's,
// the client's, the elements', the server's, an integrator's). Not for production code.

// The badge index and response cache alone, for the badge benchmark's measurements of them.
export { BadgeCache } from '../http/badge-cache.js';
export { BadgeIndex } from '../http/badge-index.js';
export type { AppLike, TestClient, TestClientError } from './client.js';
export { createTestClient, trpcError } from './client.js';
export type { Harness } from './harness.js';
export { createHarness } from './harness.js';
export { residentId, residentIds } from './ids.js';
export type { TestServer } from './server.js';
export { startTestServer } from './server.js';
export type { KeyRole, TestApp, TestAppOptions, TestClients } from './test-app.js';
export { KEY_ROLES } from './test-app.js';
export type { DbKind } from './test-db.js';
export { createTestDatabase, dbKinds, openTestDb, pgliteDataDir } from './test-db.js';
export type { FetchLike, TrpcErrorBody, TrpcResult } from './trpc-call.js';
export { callTrpc, procedureType } from './trpc-call.js';
