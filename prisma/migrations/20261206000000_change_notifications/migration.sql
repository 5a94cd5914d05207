-- Live updates: every statement that inserts or updates jobs or sweeps notifies the channel
-- 'dgm_ood_sweep_changed' once per sweep it touched (payload: the sweep id). The coordinator LISTENs and
-- pushes what changed to dashboards over server-sent events, whichever worker or coordinator wrote it.
-- Statement-level triggers with transition tables: one notification per sweep per statement, however many
-- rows it changed (a bulk cancel of 100k jobs is one), and PostgreSQL folds equal payloads of a transaction.
CREATE FUNCTION "notify_sweep_changed_from_jobs"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('dgm_ood_sweep_changed', s.sweep_id::text) FROM (SELECT DISTINCT "sweep_id" FROM changed) s;
  RETURN NULL;
END $$;

CREATE FUNCTION "notify_sweep_changed_from_sweeps"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('dgm_ood_sweep_changed', s.id::text) FROM (SELECT DISTINCT "id" FROM changed) s;
  RETURN NULL;
END $$;

CREATE TRIGGER "jobs_inserted_notify" AFTER INSERT ON "jobs"
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "notify_sweep_changed_from_jobs"();
CREATE TRIGGER "jobs_updated_notify" AFTER UPDATE ON "jobs"
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "notify_sweep_changed_from_jobs"();
CREATE TRIGGER "sweeps_inserted_notify" AFTER INSERT ON "sweeps"
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "notify_sweep_changed_from_sweeps"();
CREATE TRIGGER "sweeps_updated_notify" AFTER UPDATE ON "sweeps"
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "notify_sweep_changed_from_sweeps"();
