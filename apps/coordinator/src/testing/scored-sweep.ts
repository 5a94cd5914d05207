/** A finished OOD sweep with per-point scores, written straight to the database (evaluation tests and benches). */
import { ingestPointResults, type Pool } from '@dgm-ood/db';

export interface ScoredSet {
  /** The dataset a job scored; the first set is the in-distribution test split (Fashion-MNIST). */
  dataset: string;
  /** The scores of point i. */
  scores: (i: number) => Record<string, number>;
}

/**
 * One succeeded job per set (an LID OOD job of a Fashion-MNIST model, scoring `points` test points of its dataset), in
 * one OOD sweep still marked running, so that its evaluation is computed rather than read back.
 */
export async function insertScoredOodSweep(pool: Pool, name: string, sets: readonly ScoredSet[], points: number): Promise<{ sweepId: string; jobIds: string[] }> {
  const { rows: [sweep] } = await pool.query(`INSERT INTO sweeps (name, kind, source_text, status) VALUES ($1, 'ood', '', 'running') RETURNING id`, [name]);
  const jobIds: string[] = [];
  for (const [index, { dataset, scores }] of sets.entries()) {
    const config = {
      base_model: { checkpoint_dir: 'fmnist.pt', config_dir: 'fmnist.json' },
      data: { in_distribution: { dataloader_args: { dataset: 'fashion-mnist' } }, out_of_distribution: { dataloader_args: { dataset } } },
      ood: { method: 'ood.methods.intrinsic_dimension.FlowIntrinsicDimensionOODDetection' },
    };
    const { rows: [job] } = await pool.query(
      `INSERT INTO jobs (sweep_id, grid_index, name, point, config, config_hash, workdir_key, state)
       VALUES ($1, $2, $3, '{}', $4, $5, $5, 'succeeded') RETURNING id`,
      [sweep.id, index, `fashion-mnist_vs_${dataset}`, JSON.stringify(config), `${name}-${index}`],
    );
    await ingestPointResults(pool, Array.from({ length: points }, (_, i) => ({ jobId: job.id, dataset, split: 'test', pointIndex: i, scores: scores(i) })));
    jobIds.push(job.id as string);
  }
  return { sweepId: sweep.id as string, jobIds };
}
