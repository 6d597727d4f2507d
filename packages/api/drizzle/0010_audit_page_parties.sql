-- One audit entry can vouch for a read of many parties (a page of the change feed): it names them in
-- detail.parties. This index finds such entries by party, so a party's "who looked" (audit.list, the data
-- export) lists them beside the entries that name it in party_id. It is built from the hash-chained row
-- itself: nothing beside the chain to keep consistent or to tamper with.
CREATE INDEX "audit_log_parties_idx" ON "audit_log" USING gin (("detail" -> 'parties') jsonb_path_ops)
  WHERE "detail" ? 'parties';
