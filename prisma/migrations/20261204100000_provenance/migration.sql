-- Where a result came from: code version, worker, host, node, engine backend, and what the handler adds
-- (seeds, datasets with origin and content hash, device). The job carries its latest attempt's record.
ALTER TABLE "jobs" ADD COLUMN "provenance" JSONB;
ALTER TABLE "job_attempts" ADD COLUMN "provenance" JSONB;
