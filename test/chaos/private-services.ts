/**
 * PostgreSQL and Redis servers of a test's own: on free loopback ports, with their data in a temporary directory,
 * started, restarted and stopped by the test (never the machine's shared 5432/6379). As root (CI), PostgreSQL runs
 * as the `postgres` user, since initdb and postgres refuse root.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, ensureDatabase, migrate, migrationsDir } from '@dgm-ood/db';
import { Redis } from '@dgm-ood/queue';
import { ownedDirectory, startProcess, waitUntil, type ManagedProcess } from './processes.js';

/** A free TCP port on 127.0.0.1 (the kernel's choice; released for the caller to bind). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface PrivateService {
  readonly url: string;
  readonly port: number;
  /** The server process (for a kill -9 or a look at its log). */
  readonly process: ManagedProcess;
  /** Stops the server and starts it again on the same port and data. */
  restart(): Promise<void>;
  /** Stops the server and removes its data. */
  stop(): Promise<void>;
}

const STARTUP_CAP_MS = 60_000;

/** The newest PostgreSQL server binaries of Debian's layout (/usr/lib/postgresql/<version>/bin). */
function postgresBinDir(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'postgres'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error(`no PostgreSQL server binaries under ${base}/<version>/bin (Debian: apt-get install postgresql)`);
  return join(base, versions[0]!, 'bin');
}

/** As root, [runuser -u postgres --] before a command, and the postgres user's ids to own its files. */
function asPostgresUser(): { prefix: string[]; owner?: { uid: number; gid: number } } {
  if (process.getuid?.() !== 0) return { prefix: [] };
  const entry = readFileSync('/etc/passwd', 'utf8').split('\n').find((line) => line.startsWith('postgres:'));
  if (!entry) throw new Error('running as root, PostgreSQL needs a `postgres` user (Debian: apt-get install postgresql)');
  const [, , uid, gid] = entry.split(':');
  return { prefix: ['runuser', '-u', 'postgres', '--'], owner: { uid: Number(uid), gid: Number(gid) } };
}

/** A migrated database `dgm_ood_chaos` on a PostgreSQL server of its own. fsync is off: a test's data need not survive the machine. */
export async function startPrivatePostgres(): Promise<PrivateService> {
  const bin = postgresBinDir();
  const user = asPostgresUser();
  const { dir, remove } = ownedDirectory(mkdtempSync(join(tmpdir(), 'dgm-chaos-pg-')));
  if (user.owner) chownSync(dir, user.owner.uid, user.owner.gid);
  chmodSync(dir, 0o700);
  const data = join(dir, 'data');
  const [command, ...prefixArgs] = [...user.prefix, join(bin, 'initdb')];
  execFileSync(command!, [...prefixArgs, '-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync'], { stdio: 'pipe' });
  const port = await freePort();
  const serverArgs = [
    join(bin, 'postgres'), '-D', data, '-p', String(port), '-k', dir,
    '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
  ];
  const url = `postgresql://postgres@127.0.0.1:${port}/dgm_ood_chaos`;
  const adminUrl = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  const start = async (): Promise<ManagedProcess> => {
    const [cmd, ...args] = [...user.prefix, ...serverArgs];
    const server = startProcess('postgres', cmd!, args, { logFile: join(dir, 'postgres.log') });
    await waitUntil(`PostgreSQL on port ${port}`, async () => {
      if (!server.running()) throw new Error(`PostgreSQL exited: ${server.logTail(1000)}`);
      const client = createClient(adminUrl);
      client.on('error', () => {});
      try {
        await client.connect();
        await client.query('SELECT 1');
        return true;
      } finally {
        await client.end().catch(() => {});
      }
    }, STARTUP_CAP_MS, 50);
    return server;
  };
  /** Fast shutdown (SIGINT to the postmaster): sessions are ended, open transactions rolled back, as on `pg_ctl restart`. */
  const shutDown = async (server: ManagedProcess) => {
    const postmaster = existsSync(join(data, 'postmaster.pid')) ? Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]) : undefined;
    if (postmaster) {
      try {
        process.kill(postmaster, 'SIGINT');
      } catch {
        // already gone
      }
    }
    await server.stop('SIGINT', 20_000);
  };

  let server = await start();
  await ensureDatabase(url);
  await migrate(url, { migrationsDir });
  return {
    url,
    port,
    get process() {
      return server;
    },
    async restart() {
      await shutDown(server);
      server = await start();
    },
    async stop() {
      await shutDown(server);
      remove();
    },
  };
}

export interface PrivateRedis extends PrivateService {
  readonly appendOnly: boolean;
}

/** A Redis server of its own; `appendOnly`: with an append-only file (what BullMQ needs), else keeping nothing on disk. */
export async function startPrivateRedis(options: { appendOnly: boolean }): Promise<PrivateRedis> {
  const { dir, remove } = ownedDirectory(mkdtempSync(join(tmpdir(), 'dgm-chaos-redis-')));
  const port = await freePort();
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
    '--appendonly', options.appendOnly ? 'yes' : 'no', '--appendfsync', 'everysec',
  ];
  const url = `redis://127.0.0.1:${port}`;
  const start = async (): Promise<ManagedProcess> => {
    const server = startProcess('redis', 'redis-server', args, { logFile: join(dir, 'redis.log') });
    await waitUntil(`Redis on port ${port}`, async () => {
      if (!server.running()) throw new Error(`Redis exited: ${server.logTail(1000)}`);
      const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
      client.on('error', () => {});
      try {
        await client.connect();
        return (await client.ping()) === 'PONG' ? true : undefined;
      } finally {
        client.disconnect();
      }
    }, STARTUP_CAP_MS, 50);
    return server;
  };
  let server = await start();
  return {
    url,
    port,
    appendOnly: options.appendOnly,
    get process() {
      return server;
    },
    // SIGTERM is Redis's own shutdown: with AOF it writes the file out before it exits.
    async restart() {
      await server.stop('SIGTERM', 20_000);
      server = await start();
    },
    async stop() {
      await server.stop('SIGTERM', 20_000);
      remove();
    },
  };
}
