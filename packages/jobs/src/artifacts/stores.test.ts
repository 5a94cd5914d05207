import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { useTestDatabase } from '@dgm-ood/db/vitest';
import { DirectoryArtifactStore } from './directory-store.js';
import { PostgresArtifactStore } from './postgres-store.js';

const database = useTestDatabase();

const tmp = () => mkdtempSync(join(tmpdir(), 'dgm-store-'));

describe('PostgresArtifactStore', () => {
  test('streams a multi-chunk file in and out, byte for byte, with its sha256', async () => {
    const store = new PostgresArtifactStore(database.pool);
    const source = join(tmp(), 'weights.bin');
    const bytes = randomBytes((1 << 20) * 2 + 12345);
    writeFileSync(source, bytes);
    const stored = await store.put('k/weights.bin', source);
    expect(stored.bytes).toBe(bytes.length);
    expect(stored.uri).toMatch(/^pg-lo:\/\/\d+$/);
    const dest = join(tmp(), 'nested', 'weights.bin');
    await store.fetch(stored, dest);
    expect(readFileSync(dest).equals(bytes)).toBe(true);
  });

  test('a checksum mismatch is refused and leaves no file behind', async () => {
    const store = new PostgresArtifactStore(database.pool);
    const source = join(tmp(), 'x.bin');
    writeFileSync(source, 'hello');
    const stored = await store.put('k/x.bin', source);
    const dest = join(tmp(), 'x.bin');
    await expect(store.fetch({ ...stored, sha256: '0'.repeat(64) }, dest)).rejects.toMatchObject({ code: 'DGM_ARTIFACT_CORRUPT' });
    expect(() => readFileSync(dest)).toThrow();
  });

  test('discard frees the large object', async () => {
    const store = new PostgresArtifactStore(database.pool);
    const source = join(tmp(), 'y.bin');
    writeFileSync(source, 'bye');
    const stored = await store.put('k/y.bin', source);
    await store.discard(stored.uri);
    const { rows } = await database.pool.query('SELECT 1 FROM pg_largeobject_metadata WHERE oid = $1', [Number(stored.uri.slice(8))]);
    expect(rows).toHaveLength(0);
  });
});

describe('DirectoryArtifactStore', () => {
  test('copies into the root under the key and fetches back to another directory', async () => {
    const root = tmp();
    const store = new DirectoryArtifactStore(root);
    const source = join(tmp(), 'ckpt.json');
    writeFileSync(source, '{"step": 3}');
    const stored = await store.put('checkpoints-s/job-0/ckpt.json', source);
    expect(fileURLToPath(stored.uri)).toBe(join(root, 'checkpoints-s/job-0/ckpt.json'));
    const dest = join(tmp(), 'ckpt.json');
    await store.fetch(stored, dest);
    expect(readFileSync(dest, 'utf8')).toBe('{"step": 3}');
  });
});
