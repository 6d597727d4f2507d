CREATE TABLE "case_marks" (
	"id" text PRIMARY KEY NOT NULL,
	"case_number" text NOT NULL,
	"court" text NOT NULL,
	"note" text,
	"actor_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "case_marks_case_idx" ON "case_marks" USING btree ("case_number");--> statement-breakpoint
CREATE INDEX "case_marks_court_idx" ON "case_marks" USING btree ("court","created_at");--> statement-breakpoint
CREATE TRIGGER case_marks_keep_rows BEFORE UPDATE OR DELETE ON case_marks FOR EACH ROW EXECUTE FUNCTION fivecolor_keep_rows();
--> statement-breakpoint
CREATE TRIGGER case_marks_keep_all BEFORE TRUNCATE ON case_marks FOR EACH STATEMENT EXECUTE FUNCTION fivecolor_keep_rows();
