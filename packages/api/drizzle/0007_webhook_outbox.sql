CREATE TABLE "webhook_outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"webhook_id" text NOT NULL,
	"seq" bigint NOT NULL,
	"party_id" text NOT NULL,
	"kind" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"lease_until" timestamp with time zone,
	"lease_owner" text,
	"first_attempt_at" timestamp with time zone,
	"last_attempt_at" timestamp with time zone,
	"last_status" integer,
	"last_error" text,
	"last_ms" integer,
	"delivered_at" timestamp with time zone,
	"replay" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "webhooks" ADD COLUMN "types" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "webhooks" ADD COLUMN "description" text;--> statement-breakpoint
ALTER TABLE "webhooks" ADD COLUMN "disabled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "webhooks" ADD COLUMN "disabled_reason" text;--> statement-breakpoint
ALTER TABLE "webhook_outbox" ADD CONSTRAINT "webhook_outbox_webhook_id_webhooks_id_fk" FOREIGN KEY ("webhook_id") REFERENCES "public"."webhooks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "webhook_outbox_head_idx" ON "webhook_outbox" USING btree ("webhook_id","party_id","seq","id") WHERE "webhook_outbox"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "webhook_outbox_due_idx" ON "webhook_outbox" USING btree ("next_attempt_at") WHERE "webhook_outbox"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "webhook_outbox_webhook_idx" ON "webhook_outbox" USING btree ("webhook_id","id");--> statement-breakpoint
-- Webhook fan-out: every change-feed row enters the outbox of each live webhook that wants its kind, in
-- the transaction that wrote the change (no code path can forget it; a rolled-back change leaves no
-- delivery). A bank's webhook gets only `color.changed` of parties whose unexpired `code` consent names
-- its organization (checked again, and masked, when delivered). A repair is stored as `record.created`
-- (public type `record.repaired`): its row enters for either type, and delivery keeps the wanted one.
-- Deliveries are scheduled on the change's own clock (`at`). A revoked key's webhooks receive nothing more.
CREATE FUNCTION fivecolor_webhook_fanout() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO webhook_outbox (webhook_id, seq, party_id, kind, next_attempt_at, created_at)
  SELECT w.id, NEW.seq, NEW.party_id, NEW.kind, NEW.at, NEW.at
  FROM webhooks w JOIN api_keys k ON k.id = w.api_key_id
  WHERE w.deleted_at IS NULL AND w.disabled_at IS NULL AND k.revoked_at IS NULL
    AND (jsonb_array_length(w.types) = 0 OR w.types ? NEW.kind
      OR (NEW.kind = 'record.created' AND w.types ? 'record.repaired'))
    AND (k.role <> 'bank' OR (NEW.kind = 'color.changed' AND EXISTS (
      SELECT 1 FROM consents c
      WHERE c.party_id = NEW.party_id AND c.grantee = k.org AND c.revoked_at IS NULL
        AND c.until > ((NEW.at AT TIME ZONE 'UTC') + interval '8 hours')::date AND c.scopes ? 'code')));
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER changes_webhook_fanout AFTER INSERT ON changes FOR EACH ROW EXECUTE FUNCTION fivecolor_webhook_fanout();
--> statement-breakpoint
CREATE TRIGGER webhooks_keep_rows BEFORE DELETE ON webhooks FOR EACH ROW EXECUTE FUNCTION fivecolor_keep_rows();
--> statement-breakpoint
CREATE TRIGGER webhook_outbox_keep_rows BEFORE DELETE ON webhook_outbox FOR EACH ROW EXECUTE FUNCTION fivecolor_keep_rows();
