export type { Report, ReportRecord, ReportVerification, VerifyReason } from '@fivecolor/core';
export type { AuditEntry, AuditVerification } from './audit/audit-log.js';
export { appendAudit, verifyAuditChain } from './audit/audit-log.js';
export type { AuditCheckpoint, AuditHead } from './audit/checkpoint.js';
export { latestAuditCheckpoint, writeAuditCheckpoint } from './audit/checkpoint.js';
export type { HashedTable, RowHashes } from './audit/row-hash.js';
export { rowHash, rowsDetail } from './audit/row-hash.js';
export type {
  IntegrityMismatch,
  IntegrityOptions,
  IntegrityProgress,
  IntegrityResult,
  IntegrityTable,
} from './audit/verify-integrity.js';
export { verifyIntegrity, vouchForUnauditedRows } from './audit/verify-integrity.js';
export { checkApiKeyOptions, createApiKey } from './auth/api-keys.js';
export type { Principal } from './auth/principal.js';
export type { Role } from './auth/roles.js';
export { ROLES, roleTable } from './auth/roles.js';
export type { PartyCrypto } from './crypto/party-crypto.js';
export { createPartyCrypto } from './crypto/party-crypto.js';
export { checkSecret, resolveSecret } from './crypto/secret.js';
export type { Database, Db, Tx } from './db/database.js';
export { codedError, DataDirLockedError, openDatabase } from './db/database.js';
export { newId } from './db/ids.js';
export { IMPORT_LOCK } from './db/locks.js';
export { migrate, pendingMigrations } from './db/migrate.js';
export { schema } from './db/schema-object.js';
export type { FivecolorOptions } from './http/create-app.js';
export { createFivecolor } from './http/create-app.js';
export { createLogger } from './http/logger.js';
export { LISTENER_APPLICATION_NAME } from './http/party-listener.js';
export type { BatchOutcome, FileRecord, ImportOptions } from './import/bulk-import.js';
export { checkImportBatch, ImportPipeline, importBatch } from './import/bulk-import.js';
export type { BulkScope } from './import/bulk-tx.js';
export { bulkTransaction, CsvLines } from './import/bulk-tx.js';
export type { ImportColumn, ImportProblem, ImportRow } from './import/import-row.js';
export {
  caseKey,
  checkImportRow,
  columnNamed,
  IMPORT_COLUMNS,
  parseImportDate,
} from './import/import-row.js';
export type { ReportOptions } from './reports/report-kit.js';
export type { SigningKey } from './reports/signing-keys.js';
export {
  activeSigningKey,
  PUBLISH_BEFORE_USE_MS,
  parseSigningKey,
  rotateSigningKey,
} from './reports/signing-keys.js';
export type { AppRouter } from './routers/root.js';
export { appRouter } from './routers/root.js';
export type {
  FeedColorChange,
  FeedColorChanged,
  FeedItem,
  FeedItemOf,
  FeedObjectionFiled,
  FeedObjectionResolved,
  FeedParty,
  FeedRecord,
  FeedRecordChanged,
  FeedRecordCreated,
  FeedType,
} from './services/feed-service.js';
export type { ApplyResult, SimulationResult } from './services/policy-service.js';
export {
  activePolicy,
  applyPolicy,
  checkPolicyFits,
  earlierPolicies,
  PolicyMisfit,
  simulate,
} from './services/policy-service.js';
export type { PartyStateValues, RecordFacts } from './state/materialize.js';
export { materializeParty } from './state/materialize.js';
export { refreshStaleStates } from './state/party-state.js';
export { startStateSweeper } from './state/sweeper.js';
export type { Context } from './trpc/trpc.js';
export type { WebhookPayload, WebhookPayloadOf } from './webhooks/webhook-payload.js';
