import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createPrismaClient, type PrismaClient } from './client.js';
import { createTestDatabase, type TestDatabase } from './testing.js';

// Proves that prisma/schema.prisma and the SQL migrations describe the same database.

interface FieldSpec {
  column: string;
  type: string;
  optional: boolean;
}

const SCALAR_SQL_TYPES: Record<string, string[]> = {
  String: ['text', 'uuid'],
  Int: ['integer'],
  BigInt: ['bigint'],
  Float: ['double precision'],
  Boolean: ['boolean'],
  Json: ['jsonb'],
  DateTime: ['timestamp with time zone'],
};

/** The subset of the Prisma schema language our schema uses: models, scalar/enum fields, @map, @@map. */
function parseSchema(text: string): { tables: Map<string, Map<string, FieldSpec>>; enums: Set<string> } {
  const enums = new Set([...text.matchAll(/^enum (\w+) \{/gm)].map((m) => m[1]!));
  const modelNames = new Set([...text.matchAll(/^model (\w+) \{/gm)].map((m) => m[1]!));
  const tables = new Map<string, Map<string, FieldSpec>>();
  for (const block of text.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)) {
    const body = block[2]!;
    const table = /@@map\("(\w+)"\)/.exec(body)?.[1] ?? block[1]!;
    const fields = new Map<string, FieldSpec>();
    for (const line of body.split('\n')) {
      const m = /^\s+(\w+)\s+(\w+)(\?|\[\])?/.exec(line);
      if (!m || line.trim().startsWith('//') || line.trim().startsWith('@@')) continue;
      const [, name, type, modifier] = m;
      if (modelNames.has(type!) || modifier === '[]') continue; // relation fields have no column
      const column = /@map\("(\w+)"\)/.exec(line)?.[1] ?? name!;
      fields.set(column, { column, type: type!, optional: modifier === '?' });
    }
    tables.set(table, fields);
  }
  return { tables, enums };
}

let db: TestDatabase;
let prisma: PrismaClient;
beforeAll(async () => {
  db = await createTestDatabase();
  prisma = createPrismaClient(db.url);
});
afterAll(async () => {
  await prisma?.$disconnect();
  await db?.drop();
});

describe('schema.prisma and the migrations agree', () => {
  test('same tables, columns, types and nullability', async () => {
    const schemaPath = fileURLToPath(new URL('../../../prisma/schema.prisma', import.meta.url));
    const { tables, enums } = parseSchema(readFileSync(schemaPath, 'utf8'));
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>(
      `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
    );
    await client.end();
    const actual = new Map<string, Map<string, { type: string; nullable: boolean }>>();
    for (const row of rows) {
      if (!actual.has(row.table_name)) actual.set(row.table_name, new Map());
      actual.get(row.table_name)!.set(row.column_name, { type: row.data_type, nullable: row.is_nullable === 'YES' });
    }
    expect([...actual.keys()].sort()).toEqual([...tables.keys()].sort());
    for (const [table, fields] of tables) {
      const columns = actual.get(table)!;
      expect([...columns.keys()].sort(), table).toEqual([...fields.keys()].sort());
      for (const field of fields.values()) {
        const column = columns.get(field.column)!;
        const expectedTypes = enums.has(field.type) ? ['USER-DEFINED'] : SCALAR_SQL_TYPES[field.type];
        expect(expectedTypes, `${table}.${field.column} type ${field.type}`).toContain(column.type);
        expect(column.nullable, `${table}.${field.column} nullability`).toBe(field.optional);
      }
    }
  });

  test('every model can be created, read and deleted through the Prisma client', async () => {
    const sweep = await prisma.sweep.create({
      data: { name: 'agreement', kind: 'ood', sourceText: 'project: x\n', options: { runNameChanger: 'ood_run_name_changer' } },
    });
    const job = await prisma.job.create({
      data: {
        sweepId: sweep.id, gridIndex: 0, name: 'mnist_vs_fashion-mnist_test_word', point: { B_model: 'flow' },
        config: { ood: { seed: 100 } }, configHash: 'ab'.repeat(32), workdirKey: `${sweep.id}/0`,
        progress: { step: 1 }, backend: 'wasm', workerId: 'w1', summary: { ok: true }, error: null,
        startedAt: new Date(), finishedAt: new Date(),
      },
    });
    const attempt = await prisma.jobAttempt.create({ data: { jobId: job.id, attempt: 1, workerId: 'w1', backend: 'wasm', outcome: 'succeeded', finishedAt: new Date() } });
    const artifact = await prisma.artifact.create({
      data: { jobId: job.id, kind: 'checkpoint', name: 'checkpoints/latest', uri: 'file:///tmp/x', bytes: 12345678901n, sha256: 'cd'.repeat(32) },
    });
    const point = await prisma.pointResult.create({
      data: { jobId: job.id, dataset: 'mnist', split: 'test', pointIndex: 7, scores: { log_likelihood: -1234.5, lid: 42 } },
    });
    const other = await prisma.job.create({
      data: { sweepId: sweep.id, gridIndex: 1, name: 'ood', point: {}, config: {}, configHash: 'ef', workdirKey: `${sweep.id}/1` },
    });
    const dependency = await prisma.jobDependency.create({ data: { jobId: other.id, dependsOnId: job.id } });
    const log = await prisma.jobLog.create({ data: { jobId: job.id, attempt: 1, level: 'info', message: 'epoch 1', data: { loss: 3.2 } } });
    const evaluation = await prisma.evaluation.create({
      data: { sweepId: sweep.id, positiveJobId: job.id, negativeJobId: job.id, metric: 'auc:log_likelihood', value: 0.12, protocol: { exact: true } },
    });

    const read = await prisma.sweep.findUniqueOrThrow({
      where: { id: sweep.id },
      include: {
        jobs: {
          orderBy: { gridIndex: 'asc' },
          include: { attemptLog: true, artifacts: true, results: true, positiveEvaluations: true, logs: true, dependents: true },
        },
      },
    });
    const readJob = read.jobs[0]!;
    expect(readJob.dependents).toEqual([dependency]);
    expect(readJob.logs[0]).toMatchObject({ id: log.id, message: 'epoch 1', data: { loss: 3.2 } });
    expect(readJob.config).toEqual({ ood: { seed: 100 } });
    expect(readJob.state).toBe('pending');
    expect(readJob.attemptLog[0]!.id).toBe(attempt.id);
    expect(readJob.artifacts[0]!.bytes).toBe(12345678901n);
    expect(readJob.results[0]).toMatchObject({ id: point.id, scores: { log_likelihood: -1234.5, lid: 42 } });
    expect(readJob.positiveEvaluations[0]!.id).toBe(evaluation.id);

    await prisma.evaluation.delete({ where: { id: evaluation.id } });
    await prisma.jobLog.delete({ where: { id: log.id } });
    await prisma.jobDependency.delete({ where: { jobId_dependsOnId: { jobId: other.id, dependsOnId: job.id } } });
    await prisma.job.delete({ where: { id: other.id } });
    await prisma.pointResult.delete({ where: { id: point.id } });
    await prisma.artifact.delete({ where: { id: artifact.id } });
    await prisma.jobAttempt.delete({ where: { id: attempt.id } });
    await prisma.job.delete({ where: { id: job.id } });
    await prisma.sweep.delete({ where: { id: sweep.id } });
    expect(await prisma.sweep.count({ where: { id: sweep.id } })).toBe(0);
  });

  test('unique (sweep, grid index) and the evaluation subject check are enforced', async () => {
    const sweep = await prisma.sweep.create({ data: { name: 'u', kind: 'train', sourceText: '' } });
    const job = { sweepId: sweep.id, gridIndex: 3, name: 'n', point: {}, config: {}, configHash: 'h', workdirKey: 'k' };
    await prisma.job.create({ data: job });
    await expect(prisma.job.create({ data: job })).rejects.toThrow();
    await expect(prisma.evaluation.create({ data: { metric: 'auc', value: 1 } })).rejects.toThrow(/evaluations_subject_check|constraint/i);
  });
});
