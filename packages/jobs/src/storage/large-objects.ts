/** Artifacts stored as PostgreSQL large objects (`pg-lo://<oid>`): naming, sizing and freeing them. */
import type pg from 'pg';

const URI = /^pg-lo:\/\/(\d+)$/;
const COMMENT_PREFIX = 'dgm-ood artifact, stored ';

/** The oid of a `pg-lo://<oid>` URI; undefined for any other URI. */
export function largeObjectOid(uri: string): number | undefined {
  const match = URI.exec(uri);
  return match ? Number(match[1]) : undefined;
}

/** The comment a stored large object carries: when it was created (the database's clock). */
export function storedAtComment(at: Date): string {
  return `${COMMENT_PREFIX}${at.toISOString()}`;
}

/** When a large object was stored, from its comment; undefined for objects stored before comments were written. */
export function storedAtOf(comment: string | null): Date | undefined {
  if (!comment?.startsWith(COMMENT_PREFIX)) return undefined;
  const at = new Date(comment.slice(COMMENT_PREFIX.length));
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/**
 * Unlinks those of `oids` that still exist and that no artifact row names (another job's row may name the
 * same object). Runs in the caller's transaction: the objects go, or stay, with its rows. Returns how many.
 */
export async function unlinkUnreferencedLargeObjects(client: pg.PoolClient | pg.Pool, oids: readonly number[]): Promise<number> {
  if (oids.length === 0) return 0;
  const { rows } = await client.query(
    `SELECT lo_unlink(m.oid) FROM pg_largeobject_metadata m
     WHERE m.oid = ANY($1::oid[]) AND NOT EXISTS (SELECT 1 FROM artifacts a WHERE a.uri = 'pg-lo://' || m.oid::text)`,
    [[...new Set(oids)]],
  );
  return rows.length;
}

export interface UnreferencedLargeObject {
  oid: number;
  bytes: number;
  /** Undefined for an object stored before creation times were recorded. */
  storedAt?: Date;
}

/** Every large object of the database that no artifact row names, with its size and creation time. */
export async function unreferencedLargeObjects(pool: pg.Pool): Promise<UnreferencedLargeObject[]> {
  // lo_lseek64 to the end gives the size without reading the bytes (pg_largeobject itself is superuser-only).
  const { rows } = await pool.query(
    `SELECT m.oid::bigint AS oid, obj_description(m.oid, 'pg_largeobject') AS comment,
       lo_lseek64(lo_open(m.oid, x'40000'::int), 0, 2) AS bytes
     FROM pg_largeobject_metadata m
     WHERE NOT EXISTS (SELECT 1 FROM artifacts a WHERE a.uri = 'pg-lo://' || m.oid::text)
     ORDER BY m.oid`,
  );
  return rows.map((row) => {
    const storedAt = storedAtOf(row.comment as string | null);
    return { oid: Number(row.oid), bytes: Number(row.bytes), ...(storedAt ? { storedAt } : {}) };
  });
}
