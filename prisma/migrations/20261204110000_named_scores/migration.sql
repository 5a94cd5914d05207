-- Named scores: every per-point score lives in "scores" {name: number | null}; the two fixed columns go.

-- Non-finite scores used to be stored as strings ("NaN", "Infinity"); a score is now a finite number or null.
UPDATE "point_results"
SET "scores" = (
  SELECT jsonb_object_agg(key, CASE WHEN jsonb_typeof(value) IN ('number', 'null') THEN value ELSE 'null'::jsonb END)
  FROM jsonb_each("scores"))
WHERE jsonb_typeof("scores") = 'object'
  AND EXISTS (SELECT 1 FROM jsonb_each("scores") WHERE jsonb_typeof(value) NOT IN ('number', 'null'));

-- Their values move under the names log_likelihood and lid (a NULL column adds no key).
UPDATE "point_results"
SET "scores" = coalesce("scores", '{}'::jsonb) || jsonb_strip_nulls(jsonb_build_object('log_likelihood', "log_likelihood", 'lid', "lid"))
WHERE "scores" IS NULL OR "log_likelihood" IS NOT NULL OR "lid" IS NOT NULL;

ALTER TABLE "point_results" DROP COLUMN "log_likelihood", DROP COLUMN "lid";
ALTER TABLE "point_results" ALTER COLUMN "scores" SET DEFAULT '{}', ALTER COLUMN "scores" SET NOT NULL;

-- Sweep tables stored under the old metric names (auc.likelihood, …) are recomputed on the next request
-- under the named-score metrics (auc:<score>, auc:dual:<a>+<b>, auc:max).
DELETE FROM "evaluations" WHERE "metric" IN ('auc.likelihood', 'auc.dual_threshold', 'auc.reported', 'auc.lid');
