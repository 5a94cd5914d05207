-- dgm-ood initial schema. Mirrors prisma/schema.prisma (checked by packages/db/src/schema-agreement.test.ts).

-- CreateEnum
CREATE TYPE "sweep_kind" AS ENUM ('train', 'ood');

-- CreateEnum
CREATE TYPE "sweep_status" AS ENUM ('pending', 'running', 'succeeded', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "job_state" AS ENUM ('pending', 'waiting', 'queued', 'running', 'succeeded', 'failed', 'cancelled');

-- CreateTable
CREATE TABLE "sweeps" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" TEXT NOT NULL,
    "kind" "sweep_kind" NOT NULL,
    "source_text" TEXT NOT NULL,
    "source_format" TEXT NOT NULL DEFAULT 'yaml',
    "options" JSONB NOT NULL DEFAULT '{}',
    "status" "sweep_status" NOT NULL DEFAULT 'pending',
    "job_count" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "sweeps_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "jobs" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "sweep_id" UUID NOT NULL,
    "grid_index" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "point" JSONB NOT NULL,
    "config" JSONB NOT NULL,
    "config_hash" TEXT NOT NULL,
    "state" "job_state" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "max_attempts" INTEGER NOT NULL DEFAULT 3,
    "progress" JSONB,
    "error" TEXT,
    "workdir_key" TEXT NOT NULL,
    "backend" TEXT,
    "worker_id" TEXT,
    "summary" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "jobs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "job_attempts" (
    "id" BIGSERIAL NOT NULL,
    "job_id" UUID NOT NULL,
    "attempt" INTEGER NOT NULL,
    "worker_id" TEXT,
    "backend" TEXT,
    "outcome" TEXT NOT NULL DEFAULT 'running',
    "error" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "job_attempts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "artifacts" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "job_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "uri" TEXT NOT NULL,
    "bytes" BIGINT NOT NULL,
    "sha256" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "artifacts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "point_results" (
    "id" BIGSERIAL NOT NULL,
    "job_id" UUID NOT NULL,
    "dataset" TEXT NOT NULL,
    "split" TEXT NOT NULL,
    "point_index" INTEGER NOT NULL,
    "log_likelihood" DOUBLE PRECISION,
    "lid" DOUBLE PRECISION,
    "scores" JSONB,

    CONSTRAINT "point_results_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "evaluations" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "sweep_id" UUID,
    "positive_job_id" UUID,
    "negative_job_id" UUID,
    "metric" TEXT NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "protocol" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "evaluations_pkey" PRIMARY KEY ("id"),
    -- Not expressible in schema.prisma: an evaluation belongs to a sweep or to a job pair.
    CONSTRAINT "evaluations_subject_check" CHECK ("sweep_id" IS NOT NULL OR ("positive_job_id" IS NOT NULL AND "negative_job_id" IS NOT NULL))
);

-- CreateIndex
CREATE INDEX "sweeps_created_at_idx" ON "sweeps"("created_at" DESC);

-- CreateIndex
CREATE INDEX "sweeps_name_idx" ON "sweeps"("name");

-- CreateIndex
CREATE INDEX "jobs_sweep_id_state_grid_index_idx" ON "jobs"("sweep_id", "state", "grid_index");

-- CreateIndex
CREATE INDEX "jobs_config_hash_idx" ON "jobs"("config_hash");

-- CreateIndex
CREATE UNIQUE INDEX "jobs_sweep_id_grid_index_key" ON "jobs"("sweep_id", "grid_index");

-- CreateIndex
CREATE UNIQUE INDEX "job_attempts_job_id_attempt_key" ON "job_attempts"("job_id", "attempt");

-- CreateIndex
CREATE INDEX "artifacts_job_id_kind_idx" ON "artifacts"("job_id", "kind");

-- CreateIndex
CREATE UNIQUE INDEX "artifacts_job_id_name_key" ON "artifacts"("job_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "point_results_job_id_dataset_split_point_index_key" ON "point_results"("job_id", "dataset", "split", "point_index");

-- CreateIndex
CREATE INDEX "evaluations_sweep_id_metric_idx" ON "evaluations"("sweep_id", "metric");

-- CreateIndex
CREATE INDEX "evaluations_positive_job_id_idx" ON "evaluations"("positive_job_id");

-- CreateIndex
CREATE INDEX "evaluations_negative_job_id_idx" ON "evaluations"("negative_job_id");

-- AddForeignKey
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_sweep_id_fkey" FOREIGN KEY ("sweep_id") REFERENCES "sweeps"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "job_attempts" ADD CONSTRAINT "job_attempts_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "artifacts" ADD CONSTRAINT "artifacts_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "point_results" ADD CONSTRAINT "point_results_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_sweep_id_fkey" FOREIGN KEY ("sweep_id") REFERENCES "sweeps"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_positive_job_id_fkey" FOREIGN KEY ("positive_job_id") REFERENCES "jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_negative_job_id_fkey" FOREIGN KEY ("negative_job_id") REFERENCES "jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
