CREATE TABLE "audit_checkpoints" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"head" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"kid" text NOT NULL,
	"jws" text NOT NULL
);
--> statement-breakpoint
-- A signed checkpoint is evidence: kept for good, like the audit log it vouches for.
CREATE TRIGGER audit_checkpoints_keep_rows BEFORE UPDATE OR DELETE ON audit_checkpoints FOR EACH ROW EXECUTE FUNCTION fivecolor_keep_rows();
--> statement-breakpoint
CREATE TRIGGER audit_checkpoints_keep_all BEFORE TRUNCATE ON audit_checkpoints FOR EACH STATEMENT EXECUTE FUNCTION fivecolor_keep_rows();
