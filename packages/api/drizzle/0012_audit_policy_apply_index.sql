-- `policy apply` looks up the policies applied before under the same id (to refuse one id for two sets
-- of rules): a partial index holds the handful of `policy.apply` entries, so the lookup does not scan an
-- audit log that grows with every read of a party.
CREATE INDEX "audit_log_policy_apply_idx" ON "audit_log" USING btree ("target") WHERE "audit_log"."action" = 'policy.apply';