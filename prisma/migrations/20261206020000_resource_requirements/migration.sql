-- Mixed fleets: a job may need a device class or memory (`resources` in its config). Each distinct need is a
-- requirement class with a queue of its own; this table lists the classes so that workers find the queues they
-- can serve. Workers advertise what they have in a heartbeat row, which tells the coordinator whether anyone
-- live can take a class's jobs.
CREATE TABLE "requirement_classes" (
    "name"       TEXT NOT NULL PRIMARY KEY,
    -- gpu | cpu | any
    "device"     TEXT NOT NULL,
    "memory_gib" DOUBLE PRECISION,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);

CREATE TABLE "worker_heartbeats" (
    "worker_id"  TEXT NOT NULL PRIMARY KEY,
    "hostname"   TEXT NOT NULL,
    -- gpu | cpu: the backend it selected (or its override)
    "device"     TEXT NOT NULL,
    -- GiB of device memory (gpu) or host memory (cpu); NULL: unknown
    "memory_gib" DOUBLE PRECISION,
    "backend"    TEXT NOT NULL,
    -- The job kinds it serves (["train","ood"]) and the requirement classes it consumes.
    "kinds"      JSONB NOT NULL,
    "classes"    JSONB NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "seen_at"    TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX "worker_heartbeats_seen_at_idx" ON "worker_heartbeats"("seen_at");
