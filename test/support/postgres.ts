/**
 * A real, throwaway PostgreSQL cluster for tests, from Debian's server binaries (the `postgresql`
 * package that scripts/setup.sh installs): a fresh data directory in a temp dir, on 127.0.0.1 and
 * a free port, trust auth, no durability (fsync off). initdb refuses to run as root, so as root the
 * cluster runs as the `postgres` OS user.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './http.ts';

export interface TestPostgres {
  /** `postgres://postgres@127.0.0.1:PORT/postgres` */
  url: string;
  /** Stops the cluster and deletes its directory. Safe to call twice. */
  stop(): Promise<void>;
}

/** The newest installed major version's bin directory. */
function binDir(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => /^\d+$/.test(v)) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  const found = versions.map((v) => join(base, v, 'bin')).find((d) => existsSync(join(d, 'initdb')));
  if (!found)
    throw new Error(
      'no PostgreSQL server binaries under /usr/lib/postgresql: install the postgresql package',
    );
  return found;
}

const SERVER_SETTINGS = [
  'listen_addresses=127.0.0.1',
  // Throwaway data: no durability, no background work the tests do not need.
  'fsync=off',
  'synchronous_commit=off',
  'full_page_writes=off',
  'wal_level=minimal',
  'max_wal_senders=0',
  'autovacuum=off',
  'max_connections=40',
  'shared_buffers=16MB',
];

export async function startPostgres(): Promise<TestPostgres> {
  const bin = binDir();
  const asRoot = process.getuid?.() === 0;
  const prefix = asRoot ? ['runuser', '-u', 'postgres', '--'] : [];
  const run = (program: string, args: string[]) => {
    const [command, ...rest] = [...prefix, join(bin, program), ...args];
    return execFileSync(command!, rest, { stdio: 'pipe', timeout: 60_000 });
  };

  const dir = mkdtempSync(join(tmpdir(), 'stagecraft-pg-'));
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  let running = false;
  let stopped = false;

  const stopNow = () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', stopNow);
    try {
      if (running) run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', '-s', 'stop']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  // A test run that dies before stop() must not leave a server behind.
  process.on('exit', stopNow);

  try {
    run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-N', '-E', 'UTF8', '--locale=C']);
    // Another process may take the port between freePort() and the server's bind: try a few.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const options = [`-p ${port}`, `-k ${dir}`, ...SERVER_SETTINGS.map((s) => `-c ${s}`)].join(' ');
      try {
        run('pg_ctl', ['-D', data, '-o', options, '-l', log, '-w', '-t', '30', '-s', 'start']);
        running = true;
        return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop: async () => stopNow() };
      } catch (e) {
        if (attempt >= 3) throw e;
      }
    }
  } catch (e) {
    const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-10).join('\n') : '';
    const stderr = String((e as { stderr?: unknown }).stderr ?? '');
    stopNow();
    throw new Error(`the test PostgreSQL did not start: ${(e as Error).message}\n${stderr}\n${tail}`);
  }
}

let created = 0;
const uniqueName = (prefix: string) => `${prefix}${process.pid}_${++created}`;

async function run(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A new, empty database in the cluster; its URL. */
export async function createDatabase(url: string, name = uniqueName('db')): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
  await run(url, `CREATE DATABASE ${name}`);
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * A new, empty schema in the URL's database, and a URL whose connections use it (search_path):
 * a fresh store in well under a millisecond, where a database takes a tenth of a second.
 */
export async function createSchema(url: string, name = uniqueName('s')): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain schema name: ${name}`);
  await run(url, `CREATE SCHEMA ${name}`);
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${name}`);
  return u.toString();
}
