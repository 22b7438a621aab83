-- Gongzhi on PostgreSQL: make the audit log append-only for the application.
--
-- Run once as the database owner (not as the application role), after `manage.py migrate`:
--   psql -v app_role=gongzhi_app -d gongzhi -f deploy/postgres_audit_revoke.sql
-- The application role keeps SELECT and INSERT (and the sequence) on core_auditentry but can no
-- longer UPDATE, DELETE or TRUNCATE it, so even a compromised application cannot rewrite history.
-- Migrations and `core_audit_purge` (entries older than 183 days) run as the owner.

\set ON_ERROR_STOP on

REVOKE UPDATE, DELETE, TRUNCATE ON TABLE core_auditentry FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON TABLE core_auditentry FROM :"app_role";
GRANT SELECT, INSERT ON TABLE core_auditentry TO :"app_role";
GRANT USAGE, SELECT ON SEQUENCE core_auditentry_id_seq TO :"app_role";

-- Belt and braces: a trigger refuses UPDATE and DELETE from anyone but the table owner.
CREATE OR REPLACE FUNCTION gongzhi_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_user <> (SELECT tableowner FROM pg_tables WHERE tablename = 'core_auditentry') THEN
        RAISE EXCEPTION 'core_auditentry is append-only (% by %)', TG_OP, current_user;
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$;

DROP TRIGGER IF EXISTS gongzhi_audit_append_only ON core_auditentry;
CREATE TRIGGER gongzhi_audit_append_only
    BEFORE UPDATE OR DELETE ON core_auditentry
    FOR EACH ROW EXECUTE FUNCTION gongzhi_audit_append_only();
