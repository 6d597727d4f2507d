-- Nothing is lost: parties and records are never deleted (revocation and amendment are audited
-- updates of a record); record revisions, the audit log and the change feed are never changed or
-- deleted. The application never tries; these triggers stop anyone else using its database role.
CREATE FUNCTION fivecolor_keep_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% on % is not allowed: its rows are kept for good', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'restrict_violation';
END
$$;
--> statement-breakpoint
CREATE TRIGGER parties_keep_rows BEFORE DELETE ON parties FOR EACH ROW EXECUTE FUNCTION fivecolor_keep_rows();
--> statement-breakpoint
CREATE TRIGGER parties_keep_all BEFORE TRUNCATE ON parties FOR EACH STATEMENT EXECUTE FUNCTION fivecolor_keep_rows();
--> statement-breakpoint
CREATE TRIGGER records_keep_rows BEFORE DELETE ON records FOR EACH ROW EXECUTE FUNCTION fivecolor_keep_rows();
--> statement-breakpoint
CREATE TRIGGER records_keep_all BEFORE TRUNCATE ON records FOR EACH STATEMENT EXECUTE FUNCTION fivecolor_keep_rows();
--> statement-breakpoint
CREATE TRIGGER record_revisions_keep_rows BEFORE UPDATE OR DELETE ON record_revisions FOR EACH ROW EXECUTE FUNCTION fivecolor_keep_rows();
--> statement-breakpoint
CREATE TRIGGER record_revisions_keep_all BEFORE TRUNCATE ON record_revisions FOR EACH STATEMENT EXECUTE FUNCTION fivecolor_keep_rows();
--> statement-breakpoint
CREATE TRIGGER audit_log_keep_rows BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION fivecolor_keep_rows();
--> statement-breakpoint
CREATE TRIGGER audit_log_keep_all BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION fivecolor_keep_rows();
--> statement-breakpoint
CREATE TRIGGER changes_keep_rows BEFORE UPDATE OR DELETE ON changes FOR EACH ROW EXECUTE FUNCTION fivecolor_keep_rows();
--> statement-breakpoint
CREATE TRIGGER changes_keep_all BEFORE TRUNCATE ON changes FOR EACH STATEMENT EXECUTE FUNCTION fivecolor_keep_rows();
