// Per-point result ingestion: our COPY-based bulk upsert vs Prisma createMany, same database, same run.
// Run: pnpm bench:ingest [rows]   (default 100000)
import { performance } from 'node:perf_hooks';
import { createPool, createPrismaClient, ingestPointResults, type PointResultRow } from '@dgm-ood/db';
import { createTestDatabase } from '@dgm-ood/db/testing';

const count = Number(process.argv[2] ?? 100_000);
const db = await createTestDatabase();
const pool = createPool(db.url);
const prisma = createPrismaClient(db.url);

async function newJob(name: string): Promise<string> {
  const sweep = await pool.query<{ id: string }>(`INSERT INTO sweeps (name, kind, source_text) VALUES ($1, 'ood', '') RETURNING id`, [name]);
  const job = await pool.query<{ id: string }>(
    `INSERT INTO jobs (sweep_id, grid_index, name, point, config, config_hash, workdir_key) VALUES ($1, 0, $2, '{}', '{}', 'h', $2) RETURNING id`,
    [sweep.rows[0]!.id, name],
  );
  return job.rows[0]!.id;
}

function rows(jobId: string): PointResultRow[] {
  return Array.from({ length: count }, (_, i) => ({
    jobId, dataset: 'mnist', split: 'test', pointIndex: i,
    scores: { log_likelihood: -1000 - Math.random() * 3000, lid: Math.floor(Math.random() * 784), ref_log_likelihood: Math.random() },
  }));
}

async function timed(label: string, fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  const seconds = (performance.now() - start) / 1000;
  const rate = count / seconds;
  console.log(`${label.padEnd(34)} ${seconds.toFixed(2).padStart(7)} s  ${Math.round(rate).toLocaleString('en-US').padStart(10)} rows/s`);
  return rate;
}

try {
  console.log(`ingesting ${count.toLocaleString('en-US')} point results (JSONB scores: 3 named floats each)`);
  const bulkJob = await newJob('bulk');
  const bulkRows = rows(bulkJob);
  const bulk = await timed('bulk upsert (COPY), fresh', () => ingestPointResults(pool, bulkRows));
  const again = await timed('bulk upsert (COPY), re-ingest', () => ingestPointResults(pool, bulkRows));
  const prismaJob = await newJob('prisma');
  const prismaRows = rows(prismaJob);
  const createMany = await timed('prisma createMany (10k chunks)', async () => {
    for (let i = 0; i < prismaRows.length; i += 10_000) {
      const data = prismaRows.slice(i, i + 10_000);
      await prisma.pointResult.createMany({ data, skipDuplicates: true });
    }
  });
  const { rows: [n] } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM point_results WHERE job_id = $1', [bulkJob]);
  console.log(`rows stored for the bulk job after two ingests: ${n!.n}`);
  console.log(`ratio bulk/createMany: fresh ${(bulk / createMany).toFixed(1)}x, re-ingest ${(again / createMany).toFixed(1)}x (goal: bulk >= 50,000 rows/s)`);
} finally {
  await prisma.$disconnect();
  await pool.end();
  await db.drop();
}
