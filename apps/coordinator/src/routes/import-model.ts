import { createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { families } from '@dgm-ood/catalog';
import { configuredArtifactStore, registerImport, type JsonValue } from '@dgm-ood/jobs';
import { parseRunConfig } from '@dgm-ood/models';
import { enqueueJobs } from '@dgm-ood/queue';
import { ImportInvalidError, ImportTooLargeError } from '../errors.js';
import { ErrorSchema } from '../schemas.js';

const ImportResultSchema = z.object({
  sweepId: z.string(),
  jobId: z.string(),
  sweep: z.string(),
  job: z.string(),
  bytes: z.number(),
  sha256: z.string(),
  /** What OOD configs write as base_model. */
  reference: z.object({ sweep: z.string(), job: z.string() }),
});

const NAME = /^[\w.@+-][\w .@+-]{0,199}$/;

/** A `torch.save` file starts as a zip (torch ≥ 1.6) or as a pickle (the legacy format, protocol 2). */
async function checkTorchFile(path: string, fileName: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(4), 0, 4, 0);
    const zip = bytesRead === 4 && buffer.readUInt32LE(0) === 0x04034b50;
    const pickle = bytesRead >= 2 && buffer[0] === 0x80 && buffer[1]! >= 2;
    if (!zip && !pickle) {
      throw new ImportInvalidError(`checkpoint ${fileName}: not a torch.save file (it starts with ${buffer.subarray(0, bytesRead).toString('hex') || 'nothing'}; expected a zip or a pickle)`);
    }
  } finally {
    await handle.close();
  }
}

/**
 * POST /models/import: a reference PyTorch checkpoint and its run's config as multipart fields `checkpoint`
 * (file, streamed to disk, at most DGM_OOD_IMPORT_MAX_BYTES) and `config` (file or text: run_config.json or YAML),
 * with optional `name` (the sweep) and `run` (the job). The model section is checked here (a family builds it);
 * the file is stored as the job's artifact and a worker converts it. 201 with the `{sweep, job}` reference.
 */
export const importModelRoute: FastifyPluginAsyncZod = async (app) => {
  // Truncation is checked per file (part.file.truncated) so that the error names the file and the limit.
  await app.register(multipart, { throwFileSizeLimit: false, limits: { files: 2, fields: 8, fieldSize: 16 * 1024 * 1024 } });
  app.post(
    '/models/import',
    {
      schema: {
        summary: 'Import a reference PyTorch checkpoint (multipart: checkpoint file, config) as an imported training job that OOD sweeps reference as {sweep, job}',
        consumes: ['multipart/form-data'],
        response: { 201: ImportResultSchema, 400: ErrorSchema, 413: ErrorSchema },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) throw new ImportInvalidError('send multipart/form-data with a checkpoint file and a config');
      const { pool, queues, config } = app.services;
      const dir = await mkdtemp(join(tmpdir(), 'dgm-import-'));
      try {
        const fields: Record<string, string> = {};
        let configText: { text: string; fileName: string } | undefined;
        let checkpoint: { path: string; fileName: string } | undefined;
        for await (const part of request.parts({ limits: { fileSize: config.importMaxBytes, files: 2 } })) {
          if (part.type === 'field') {
            if (typeof part.value !== 'string') throw new ImportInvalidError(`field ${part.fieldname}: expected text`);
            if (part.fieldname === 'config') configText = { text: part.value, fileName: 'config' };
            else if (part.fieldname === 'name' || part.fieldname === 'run') fields[part.fieldname] = part.value;
            else throw new ImportInvalidError(`unknown field ${part.fieldname} (fields: checkpoint, config, name, run)`);
            continue;
          }
          if (part.fieldname === 'config') {
            configText = { text: (await part.toBuffer()).toString('utf8'), fileName: part.filename || 'config' };
          } else if (part.fieldname === 'checkpoint') {
            const path = join(dir, 'checkpoint.pt');
            await pipeline(part.file, createWriteStream(path));
            if (part.file.truncated) throw new ImportTooLargeError(part.filename || 'checkpoint', String(config.importMaxBytes));
            checkpoint = { path, fileName: part.filename || 'checkpoint.pt' };
          } else {
            part.file.resume();
            throw new ImportInvalidError(`unknown file field ${part.fieldname} (files: checkpoint, config)`);
          }
        }
        if (!checkpoint) throw new ImportInvalidError('no checkpoint file (multipart file field "checkpoint")');
        if (!configText) throw new ImportInvalidError('no config (multipart field "config": the run_config.json or YAML of the run)');
        for (const key of ['name', 'run'] as const) {
          if (fields[key] !== undefined && !NAME.test(fields[key]!)) throw new ImportInvalidError(`field ${key}: 1–200 letters, digits, spaces or . _ @ + -`);
        }
        await checkTorchFile(checkpoint.path, checkpoint.fileName);
        let model: JsonValue;
        try {
          model = parseRunConfig(configText.text, configText.fileName, 'config');
        } catch (error) {
          throw new ImportInvalidError((error as Error).message);
        }
        try {
          const family = families.forConfig(model, `config ${configText.fileName}: model`);
          if (!family.importTorch) throw new Error(`the ${family.name} family cannot import PyTorch checkpoints`);
          family.readSpec(model, { path: 'model', seed: 0 });
        } catch (error) {
          throw new ImportInvalidError(`config ${configText.fileName}: ${(error as Error).message}`);
        }
        const runName = fields.run ?? (checkpoint.fileName.replace(/\.(pt|pth|ckpt|bin)$/i, '') || 'imported');
        const sweepName = fields.name ?? runName;
        const store = configuredArtifactStore(config, pool);
        const registered = await registerImport(pool, store, { sweepName, runName, checkpointPath: checkpoint.path, checkpointName: checkpoint.fileName, model, configSource: configText.fileName });
        await enqueueJobs(queues, [{ jobId: registered.jobId, sweepId: registered.sweepId, kind: 'train', retry: { attempts: 1, backoffMs: 0 } }]);
        return reply.code(201).send({
          sweepId: registered.sweepId,
          jobId: registered.jobId,
          sweep: sweepName,
          job: runName,
          bytes: registered.bytes,
          sha256: registered.sha256,
          reference: { sweep: sweepName, job: runName },
        });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
};
