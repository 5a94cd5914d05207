-- Which queued jobs need resources no live worker has is asked on every GET /sweeps/:id and /metrics scrape: this
-- partial index holds only queued jobs with `resources`, so a sweep without any answers without reading its
-- configs (100k queued jobs: 60-190 ms without it).
CREATE INDEX "jobs_queued_with_resources_idx" ON "jobs"("sweep_id") WHERE "state" = 'queued' AND "config" ? 'resources';
