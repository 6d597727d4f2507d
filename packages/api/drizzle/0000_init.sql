CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"key_hash" text NOT NULL,
	"name" text NOT NULL,
	"org" text NOT NULL,
	"role" text NOT NULL,
	"court" text,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor_id" text,
	"actor_role" text,
	"actor_org" text,
	"action" text NOT NULL,
	"party_id" text,
	"target" text,
	"purpose" text,
	"detail" jsonb,
	"request_id" text,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "badge_tokens" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"party_id" text NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "changes" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"party_id" text NOT NULL,
	"kind" text NOT NULL,
	"record_id" text,
	"color" text,
	"previous_color" text,
	"data" jsonb
);
--> statement-breakpoint
CREATE TABLE "consents" (
	"id" text PRIMARY KEY NOT NULL,
	"party_id" text NOT NULL,
	"grantee" text NOT NULL,
	"scopes" jsonb NOT NULL,
	"until" date NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"actor_id" text NOT NULL,
	"key" text NOT NULL,
	"procedure" text NOT NULL,
	"request_hash" text NOT NULL,
	"response_enc" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_actor_id_key_pk" PRIMARY KEY("actor_id","key")
);
--> statement-breakpoint
CREATE TABLE "objections" (
	"id" text PRIMARY KEY NOT NULL,
	"record_id" text NOT NULL,
	"party_id" text NOT NULL,
	"reason" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"resolution" text,
	"resolved_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "parties" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"id_type" text NOT NULL,
	"identity_hash" text NOT NULL,
	"id_number_enc" text NOT NULL,
	"name_enc" text NOT NULL,
	"name_masked" text NOT NULL,
	"id_number_masked" text NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "party_state" (
	"party_id" text PRIMARY KEY NOT NULL,
	"color" text NOT NULL,
	"since" date,
	"until" date,
	"basis" jsonb NOT NULL,
	"policy_id" text NOT NULL,
	"as_of" date NOT NULL,
	"version" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "record_revisions" (
	"record_id" text NOT NULL,
	"revision" integer NOT NULL,
	"before" jsonb NOT NULL,
	"after" jsonb NOT NULL,
	"reason" text NOT NULL,
	"actor_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "record_revisions_record_id_revision_pk" PRIMARY KEY("record_id","revision")
);
--> statement-breakpoint
CREATE TABLE "records" (
	"id" text PRIMARY KEY NOT NULL,
	"party_id" text NOT NULL,
	"category" text NOT NULL,
	"court" text NOT NULL,
	"case_number" text NOT NULL,
	"effective_from" date NOT NULL,
	"effective_until" date,
	"repairs" jsonb,
	"note" text,
	"source" text DEFAULT 'court' NOT NULL,
	"external_id" text,
	"revision" integer DEFAULT 0 NOT NULL,
	"revoked_at" timestamp with time zone,
	"revoke_reason" text,
	"revoked_by" text,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reports" (
	"report_no" text PRIMARY KEY NOT NULL,
	"code_hash" text NOT NULL,
	"party_id" text NOT NULL,
	"snapshot" jsonb NOT NULL,
	"signed" text NOT NULL,
	"policy_id" text NOT NULL,
	"issued_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "screenings" (
	"id" text PRIMARY KEY NOT NULL,
	"case_number" text NOT NULL,
	"court" text NOT NULL,
	"party_id" text,
	"identity_hash" text NOT NULL,
	"color" text NOT NULL,
	"alert" boolean NOT NULL,
	"actor_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "signing_keys" (
	"kid" text PRIMARY KEY NOT NULL,
	"public_jwk" jsonb NOT NULL,
	"private_enc" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"retired_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "webhooks" (
	"id" text PRIMARY KEY NOT NULL,
	"api_key_id" text NOT NULL,
	"url" text NOT NULL,
	"secret_enc" text NOT NULL,
	"cursor" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "badge_tokens" ADD CONSTRAINT "badge_tokens_party_id_parties_id_fk" FOREIGN KEY ("party_id") REFERENCES "public"."parties"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consents" ADD CONSTRAINT "consents_party_id_parties_id_fk" FOREIGN KEY ("party_id") REFERENCES "public"."parties"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "objections" ADD CONSTRAINT "objections_record_id_records_id_fk" FOREIGN KEY ("record_id") REFERENCES "public"."records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "objections" ADD CONSTRAINT "objections_party_id_parties_id_fk" FOREIGN KEY ("party_id") REFERENCES "public"."parties"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "party_state" ADD CONSTRAINT "party_state_party_id_parties_id_fk" FOREIGN KEY ("party_id") REFERENCES "public"."parties"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "record_revisions" ADD CONSTRAINT "record_revisions_record_id_records_id_fk" FOREIGN KEY ("record_id") REFERENCES "public"."records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "records" ADD CONSTRAINT "records_party_id_parties_id_fk" FOREIGN KEY ("party_id") REFERENCES "public"."parties"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reports" ADD CONSTRAINT "reports_party_id_parties_id_fk" FOREIGN KEY ("party_id") REFERENCES "public"."parties"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhooks" ADD CONSTRAINT "webhooks_api_key_id_api_keys_id_fk" FOREIGN KEY ("api_key_id") REFERENCES "public"."api_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_key_hash_uq" ON "api_keys" USING btree ("key_hash");--> statement-breakpoint
CREATE INDEX "audit_log_party_idx" ON "audit_log" USING btree ("party_id","seq");--> statement-breakpoint
CREATE INDEX "badge_tokens_party_idx" ON "badge_tokens" USING btree ("party_id");--> statement-breakpoint
CREATE INDEX "changes_party_idx" ON "changes" USING btree ("party_id","seq");--> statement-breakpoint
CREATE INDEX "consents_party_grantee_idx" ON "consents" USING btree ("party_id","grantee");--> statement-breakpoint
CREATE INDEX "objections_record_idx" ON "objections" USING btree ("record_id");--> statement-breakpoint
CREATE INDEX "objections_status_idx" ON "objections" USING btree ("status");--> statement-breakpoint
CREATE UNIQUE INDEX "parties_identity_hash_uq" ON "parties" USING btree ("identity_hash");--> statement-breakpoint
CREATE INDEX "party_state_color_idx" ON "party_state" USING btree ("color");--> statement-breakpoint
CREATE INDEX "party_state_until_idx" ON "party_state" USING btree ("until");--> statement-breakpoint
CREATE INDEX "records_party_idx" ON "records" USING btree ("party_id");--> statement-breakpoint
CREATE INDEX "records_court_idx" ON "records" USING btree ("court");--> statement-breakpoint
CREATE UNIQUE INDEX "records_source_external_uq" ON "records" USING btree ("source","external_id") WHERE "records"."external_id" is not null;--> statement-breakpoint
CREATE INDEX "reports_party_idx" ON "reports" USING btree ("party_id");--> statement-breakpoint
CREATE INDEX "screenings_case_idx" ON "screenings" USING btree ("case_number");--> statement-breakpoint
CREATE INDEX "screenings_party_idx" ON "screenings" USING btree ("party_id");