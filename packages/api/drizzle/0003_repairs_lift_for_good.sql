-- A repair (not revoked) now lifts the records it lists for good, from its first day, also after its
-- own one-year blue term (the SPC rules delete a performed debtor's listing). A state stored under the
-- old rule ("while the repair counts") may be yellow or red again, or expect to turn so on its `until`.
-- Every state of a party with a repair is made stale here (its `until` becomes its `as_of`, a day that
-- has come), so the state sweeper recomputes it with the new rule when the server starts (and any read
-- before that recomputes it too), writing a `color.changed` row to the change feed where the color
-- moves. Rows of party_state are not protected by 0002's triggers; records are only read.
UPDATE "party_state" SET "until" = "as_of"
WHERE "party_id" IN (
  SELECT "party_id" FROM "records"
  WHERE "revoked_at" IS NULL AND ("category" = 'B01' OR jsonb_typeof("repairs") = 'array')
);
