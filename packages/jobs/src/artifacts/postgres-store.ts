import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import type pg from 'pg';
import { withTransaction } from '@dgm-ood/db';
import { largeObjectOid, storedAtComment } from '../storage/large-objects.js';
import { ArtifactCorruptError, type ArtifactStore, type StoredObject } from './store.js';

const CHUNK = 1 << 20;

/**
 * Artifacts as PostgreSQL large objects: every worker that reaches the database reaches them, no
 * shared filesystem needed. Streamed in 1 MiB chunks both ways and checked against their sha256.
 */
export class PostgresArtifactStore implements ArtifactStore {
  readonly kind = 'postgres' as const;
  constructor(private readonly pool: pg.Pool) {}

  async put(_key: string, sourcePath: string): Promise<StoredObject> {
    // One transaction: a failed upload leaves no half-written large object behind.
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ oid: number; at: Date }>('SELECT lo_create(0) AS oid, now() AS at');
      const oid = rows[0]!.oid;
      // Its creation time: the artifact row naming it comes after this commit, and the garbage collection spares
      // unreferenced objects younger than its grace period.
      await client.query(`COMMENT ON LARGE OBJECT ${Number(oid)} IS '${storedAtComment(rows[0]!.at)}'`);
      const hash = createHash('sha256');
      let offset = 0;
      for await (const chunk of createReadStream(sourcePath, { highWaterMark: CHUNK })) {
        const buffer = chunk as Buffer;
        hash.update(buffer);
        await client.query('SELECT lo_put($1, $2, $3)', [oid, offset, buffer]);
        offset += buffer.length;
      }
      return { uri: `pg-lo://${oid}`, bytes: offset, sha256: hash.digest('hex') };
    });
  }

  async discard(uri: string): Promise<void> {
    const oid = largeObjectOid(uri);
    if (oid !== undefined) await this.pool.query('SELECT lo_unlink(oid) FROM pg_largeobject_metadata WHERE oid = $1', [oid]);
  }

  async fetch(object: StoredObject, destPath: string): Promise<void> {
    const oid = largeObjectOid(object.uri);
    if (oid === undefined) throw new Error(`not a Postgres large object URI: ${object.uri}`);
    await mkdir(dirname(destPath), { recursive: true });
    const temp = join(dirname(destPath), `.fetch-${process.pid}-${Date.now()}`);
    const out = createWriteStream(temp);
    const hash = createHash('sha256');
    try {
      for (let offset = 0; ; offset += CHUNK) {
        const { rows } = await this.pool.query<{ data: Buffer }>('SELECT lo_get($1, $2, $3) AS data', [oid, offset, CHUNK]);
        const data = rows[0]!.data;
        hash.update(data);
        if (!out.write(data)) await once(out, 'drain');
        if (data.length < CHUNK) break;
      }
      out.end();
      await once(out, 'close');
      const sha256 = hash.digest('hex');
      if (sha256 !== object.sha256) throw ArtifactCorruptError(object.uri, object.sha256, sha256);
      await rename(temp, destPath);
    } catch (error) {
      out.destroy();
      await rm(temp, { force: true });
      throw error;
    }
  }
}
