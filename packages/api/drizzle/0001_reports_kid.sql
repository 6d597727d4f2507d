ALTER TABLE "reports" ADD COLUMN "kid" text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE INDEX "reports_kid_expires_idx" ON "reports" USING btree ("kid","expires_at");