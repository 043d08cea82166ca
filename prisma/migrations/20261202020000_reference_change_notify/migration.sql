-- Reference data changes are announced on the channel `motcua_reference` (issue 12, intake cost).
-- Processes keep the procedure catalogue, agencies, calendars and API keys in memory
-- (services/reference-cache.ts) and drop them on every notification, whoever made the change
-- (the admin API, the CLI in another process, a hand-written UPDATE). PostgreSQL delivers a
-- NOTIFY at the commit of the change, so a listening process stops using the old rows within
-- milliseconds of the commit; a process whose LISTEN connection is down uses no cached row at all.
CREATE OR REPLACE FUNCTION motcua_notify_reference_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('motcua_reference', TG_TABLE_NAME);
  RETURN NULL;
END;
$$;

CREATE TRIGGER agency_reference_change
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "agency"
  FOR EACH STATEMENT EXECUTE FUNCTION motcua_notify_reference_change();
CREATE TRIGGER procedure_reference_change
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "procedure"
  FOR EACH STATEMENT EXECUTE FUNCTION motcua_notify_reference_change();
CREATE TRIGGER procedure_version_reference_change
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "procedure_version"
  FOR EACH STATEMENT EXECUTE FUNCTION motcua_notify_reference_change();
CREATE TRIGGER calendar_version_reference_change
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "calendar_version"
  FOR EACH STATEMENT EXECUTE FUNCTION motcua_notify_reference_change();
CREATE TRIGGER agency_calendar_reference_change
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "agency_calendar"
  FOR EACH STATEMENT EXECUTE FUNCTION motcua_notify_reference_change();
-- API keys: every change that decides whether a token authenticates, and as whom (creation,
-- revocation, expiry, deletion). The once-a-minute `last_used_at` bookkeeping is not one of them.
CREATE TRIGGER api_key_reference_change
  AFTER INSERT OR DELETE OR TRUNCATE ON "api_key"
  FOR EACH STATEMENT EXECUTE FUNCTION motcua_notify_reference_change();
CREATE TRIGGER api_key_reference_update
  AFTER UPDATE OF "id", "name", "secret_hash", "role", "agency_code", "revoked_at", "expires_at" ON "api_key"
  FOR EACH STATEMENT EXECUTE FUNCTION motcua_notify_reference_change();
