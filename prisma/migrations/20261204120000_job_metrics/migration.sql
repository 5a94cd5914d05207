-- Every metric a job logs (training loss, bits/dim, learning rate, per step and per epoch), as a series the
-- API serves. One value per (job, name, scope, step): a resumed attempt that redoes steps replaces them, so the
-- series follows the weights that were kept.
CREATE TABLE "job_metrics" (
    "id" BIGSERIAL NOT NULL,
    "job_id" UUID NOT NULL,
    "attempt" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "step" INTEGER NOT NULL,
    "epoch" INTEGER,
    "value" DOUBLE PRECISION,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "job_metrics_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "job_metrics_scope_check" CHECK ("scope" IN ('step', 'epoch'))
);

CREATE UNIQUE INDEX "job_metrics_job_id_name_scope_step_key" ON "job_metrics"("job_id", "name", "scope", "step");

ALTER TABLE "job_metrics" ADD CONSTRAINT "job_metrics_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
