-- Small results that jobs on any machine reuse, by a content key (e.g. an OOD method's calibration of one
-- model): the first job to compute one stores it, later jobs read it instead of computing it again.
CREATE TABLE "shared_cache" (
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "job_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "shared_cache_pkey" PRIMARY KEY ("key")
);

ALTER TABLE "shared_cache" ADD CONSTRAINT "shared_cache_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE SET NULL ON UPDATE CASCADE;
