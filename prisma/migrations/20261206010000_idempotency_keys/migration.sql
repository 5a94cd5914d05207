-- Idempotent submissions: a POST /sweeps carrying an Idempotency-Key creates at most one sweep. A client whose
-- connection broke mid-POST (the coordinator died after committing) sends it again and gets that same sweep.
-- The fingerprint (sha256 of what was submitted) tells a retry from a different request reusing the key.
ALTER TABLE "sweeps" ADD COLUMN "idempotency_key" TEXT, ADD COLUMN "idempotency_fingerprint" TEXT;
CREATE UNIQUE INDEX "sweeps_idempotency_key_key" ON "sweeps"("idempotency_key");
