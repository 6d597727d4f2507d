// The wire types, from their one home; the published .d.ts carries a copy of them (`tsup --dts-resolve`).
export type { BadgeData, Color, Report } from '@fivecolor/core';
export type { AppRouter, ErrorShape } from './app-router.gen.js';
export type { ChangeItem, ChangeItemOf, ChangesOptions, ChangeType } from './changes.js';
export { followChanges } from './changes.js';
export type { ClientHelpers, ClientOptions, FivecolorClient } from './create-client.js';
export { createClient } from './create-client.js';
export type { FetchBadgeOptions } from './fetch-badge.js';
export { fetchBadge } from './fetch-badge.js';
export type { FieldIssue, FivecolorErrorCode } from './fivecolor-error.js';
export { FivecolorError } from './fivecolor-error.js';
export type { RetryOptions } from './retry-policy.js';
export type { RouterInputs, RouterOutputs } from './router-types.js';
export type { JWKS, ReportFailureReason, VerifiedReport } from './verify-report.js';
export { FivecolorReportError, verifyReport } from './verify-report.js';
export type { WebhookEvent, WebhookEventOf } from './verify-webhook.js';
export { FivecolorWebhookError, verifyWebhook } from './verify-webhook.js';
