/**
 * Backup and verified restore of a ~1 GB database on the real engine, compared in one run with
 * plain `pg_dump`/`pg_restore` on the same data (target: within 1.2 of their time).
 *
 * One project (`benchdb`, environment `preview`, its own subnets and ports so it never meets the
 * demo or the tests) with one PostgreSQL; ~1 GB is generated server-side once per run. Then, in
 * this order so background load falls on both sides alike:
 *
 *   baseline dump     a one-off of the same image on the project's network (the same container
 *                     spec as stagecraft's backup one-off, command replaced) running only
 *                     `pg_dump -Fc -f /backups/<name>.dump` into the same backup folder;
 *   stagecraft dump   `backupService`: the same one-off running the dump script (snapshot held
 *                     open, row counts in that snapshot, pg_dump, sync, rename, sha256, manifest);
 *   baseline restore  a fresh scratch PostgreSQL from the same image with the same settings as
 *                     stagecraft's scratch (fsync/synchronous_commit/full_page_writes off, same
 *                     shm), on an internal network of its own, started and waited healthy the same
 *                     way, then a one-off running only `pg_restore --no-owner --no-acl
 *                     --exit-on-error --jobs=2`, then everything removed;
 *   stagecraft verify `verifyRestore`: the same, plus the sha256 check of the dump before the
 *                     restore, the row counts of the restored tables, and the comparison with the
 *                     manifest (and the store updates).
 *
 * Both sides therefore include container creation, network creation, starting the scratch
 * server to healthy, and the removal of everything afterwards; the difference is exactly the
 * guarantees (snapshot-consistent counts, checksum, count comparison, atomic files). The server
 * settings are the same on both sides, so the ratio measures stagecraft, not server tuning.
 * The parts of the overhead are then measured alone: counting every table in one snapshot on the
 * source, and sha256 of the dump.
 *
 * `node bench/backup.ts [rounds]` (default 2; odd rounds measure the baseline first, even ones
 * stagecraft first): each side's best time per part is reported, since the engine is shared.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { EngineContainer } from '../src/drivers/docker/container-create.ts';
import { runOnce } from '../src/drivers/docker/engine.ts';
import { LABEL } from '../src/model/index.ts';
import { backupFiles, backupService, tail, withEnv } from '../src/ops/backup/dump.ts';
import { startScratch, verifyRestore } from '../src/ops/backup/verify.ts';
import { oneOff } from '../src/ops/running-environment.ts';
import { checkBudget } from '../src/plan/index.ts';
import { hasErrors, loadSpecText } from '../src/spec/index.ts';
import { type ProjectEnv, projectEnv } from '../test/support/project-env.ts';

const TARGET = 1.2;
const rounds = Math.max(1, Number(process.argv[2] ?? 2) || 2);
const dir = mkdtempSync(join(tmpdir(), 'stagecraft-bench-backup-'));
const backupDir = join(dir, 'backups');

const SPEC = `version: 1
environment: preview
server:
  host: local
  domain: benchdb.localhost
  capacity: { cpus: 2, memory: 4GiB }
  reserve: { cpus: 0.1, memory: 256MiB }
  images: local
  backupDir: ${backupDir}
network: { shared: 10.239.0.0/24, projects: 10.240.0.0/16, projectSize: 24 }
ports: { postgres: 35432, redis: 36379, rabbitmq: 35672, app: 38000 }
shared:
  proxy: { tls: none, resources: { cpus: 0.1, memory: 64MiB } }
  monitoring:
    prometheus: { resources: { cpus: 0.1, memory: 128MiB } }
    grafana: false
    loki: false
    alertmanager: false
    cadvisor: false
projects:
  benchdb:
    services:
      db:
        type: postgres
        exporter: false
        resources: { cpus: 1.5, memory: 1GiB }
        backup: { schedule: "0 2 * * *", keep: { daily: 2, weekly: 0, monthly: 0 } }
`;

/**
 * ~1 GB of shop-like data, generated server-side: wide rows with text and numeric columns,
 * primary keys and secondary indexes (built after the data, as pg_restore does too), a jsonb table.
 */
const LOAD = [
  `CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, email text NOT NULL,
     country char(2) NOT NULL, created_at timestamptz NOT NULL)`,
  `INSERT INTO customers SELECT g, 'customer ' || g, 'c' || g || '@example.test',
     (ARRAY['DE','FR','NL','US','GB'])[1 + g % 5], now() - g * interval '1 minute'
     FROM generate_series(1, 200000) g`,
  `CREATE UNIQUE INDEX ON customers (email)`,
  `CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL, amount numeric(12,2) NOT NULL,
     status text NOT NULL, note text, created_at timestamptz NOT NULL)`,
  `INSERT INTO orders SELECT g, 1 + (g::bigint * 7919) % 200000, round((random() * 1000)::numeric, 2),
     (ARRAY['new','paid','shipped','cancelled'])[1 + g % 4],
     md5(g::text) || ' ' || md5((g * 31)::text) || ' ' || repeat('x', g % 40),
     now() - g * interval '1 second'
     FROM generate_series(1, 2600000) g`,
  `CREATE INDEX ON orders (customer_id)`,
  `CREATE INDEX ON orders (created_at)`,
  `CREATE TABLE order_lines (order_id bigint NOT NULL, line int NOT NULL, sku text NOT NULL,
     qty int NOT NULL, price numeric(10,2) NOT NULL, PRIMARY KEY (order_id, line))`,
  `INSERT INTO order_lines SELECT o, l, 'SKU-' || lpad(((o::bigint * l * 104729) % 50000)::text, 6, '0'),
     1 + (o + l) % 5, round((random() * 200)::numeric, 2)
     FROM generate_series(1, 1300000) o, generate_series(1, 3) l`,
  `CREATE INDEX ON order_lines (sku)`,
  `CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz NOT NULL, kind text NOT NULL, payload jsonb NOT NULL)`,
  `INSERT INTO events SELECT g, now() - g * interval '100 ms', (ARRAY['view','cart','checkout'])[1 + g % 3],
     jsonb_build_object('session', md5(g::text), 'path', '/products/' || (g % 5000), 'ms', g % 900)
     FROM generate_series(1, 1000000) g`,
  // Hint bits set and statistics taken now, so neither side's first read pays for the load.
  'VACUUM (FREEZE, ANALYZE)',
  'CHECKPOINT',
];

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const load = () => loadavg()[0]!.toFixed(2);
async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await fn();
  return [value, performance.now() - start];
}

let env: ProjectEnv | undefined;
const created = { containers: new Set<string>(), networks: new Set<string>() };
let cleaned = false;

async function cleanup(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  if (env) {
    for (const name of created.containers)
      await env.docker
        .getContainer(name)
        .remove({ force: true, v: true })
        .catch(() => {});
    for (const name of created.networks)
      await env.docker
        .getNetwork(name)
        .remove()
        .catch(() => {});
    // The project's own containers, networks and volumes (by its labels: environment preview, project benchdb).
    await env.destroy().catch((e) => console.error(`cleanup: ${(e as Error).message}`));
    // The edge network carries no labels (destroy misses it); every `benchdb-*` network is this bench's.
    for (const n of await env.docker.listNetworks({ filters: { name: ['benchdb-'] } }).catch(() => []))
      if (n.Name.startsWith('benchdb-'))
        await env.docker
          .getNetwork(n.Id)
          .remove()
          .catch(() => {});
  }
  rmSync(dir, { recursive: true, force: true });
}

for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    console.error(`backup bench: ${signal}, cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });

/** A copy of the backup one-off running `script` instead, on `network` only when given. */
function plainJob(
  job: EngineContainer,
  name: string,
  script: string,
  vars: Record<string, string>,
  network?: string,
) {
  const spec = withEnv(job, vars, name);
  spec.options = {
    ...spec.options,
    Cmd: ['sh', '-c', script],
    Labels: { ...job.container.labels, [LABEL.role]: 'bench' },
  };
  if (network) {
    const { NetworkingConfig: _, ...options } = spec.options;
    spec.options = { ...options, HostConfig: { ...options.HostConfig, NetworkMode: network } };
    spec.networks = [];
  }
  created.containers.add(name);
  return spec;
}

async function baselineDump(job: EngineContainer, file: string): Promise<void> {
  const run = await runOnce(
    env!.docker,
    plainJob(
      job,
      `benchdb-db-bench-dump`,
      'export PGPASSWORD="$POSTGRES_PASSWORD"; exec pg_dump -Fc -f "/backups/$F"',
      {
        F: file,
      },
    ),
    3600_000,
  );
  if (run.code !== 0) throw new Error(`baseline pg_dump failed (exit ${run.code}):\n${tail(run.logs)}`);
}

/** Network, scratch server to healthy, pg_restore --jobs=2, everything removed; the scratch start's share. */
async function baselineRestore(job: EngineContainer, file: string): Promise<number> {
  const docker = env!.docker;
  const suffix = randomBytes(3).toString('hex');
  const network = `benchdb-bench-${suffix}`;
  const db = `benchdb-db-bench-scratch-${suffix}`;
  const restore = `benchdb-db-bench-restore-${suffix}`;
  const password = randomBytes(18).toString('base64url');
  created.networks.add(network);
  try {
    const [, startMs] = await timed(async () => {
      await docker.createNetwork({
        Name: network,
        Driver: 'bridge',
        Internal: true,
        Labels: { ...job.container.labels, [LABEL.role]: 'bench' },
      });
      created.containers.add(db);
      // The scratch server exactly as `verifyRestore` starts it.
      await startScratch(
        env!.docker,
        job,
        { network, db },
        { ...job.container.labels, [LABEL.role]: 'bench' },
        password,
      );
    });
    const spec = plainJob(
      job,
      restore,
      'export PGPASSWORD="$POSTGRES_PASSWORD"; exec pg_restore -d "$PGDATABASE" --no-owner --no-acl --exit-on-error --jobs=2 "/backups/$F"',
      { PGHOST: db, POSTGRES_PASSWORD: password, F: file },
      network,
    );
    spec.options.HostConfig = {
      ...spec.options.HostConfig,
      Binds: [`${join(backupDir, 'benchdb')}:/backups:ro`],
    };
    const run = await runOnce(docker, spec, 3600_000);
    if (run.code !== 0) throw new Error(`baseline pg_restore failed (exit ${run.code}):\n${tail(run.logs)}`);
    return startMs;
  } finally {
    for (const name of [restore, db])
      await docker
        .getContainer(name)
        .remove({ force: true, v: true })
        .catch(() => {});
    await docker
      .getNetwork(network)
      .remove()
      .catch(() => {});
  }
}

async function main(): Promise<void> {
  // The spec validates, and the database's 1 GiB fits the server's budget.
  const loaded = loadSpecText('staging.yaml', SPEC, process.env);
  const budget = loaded.spec ? checkBudget(loaded.spec).diagnostics : [];
  if (!loaded.spec || hasErrors([...loaded.diagnostics, ...budget]))
    throw new Error(
      `the bench spec does not validate: ${JSON.stringify([...loaded.diagnostics, ...budget])}`,
    );

  env = await projectEnv(dir, SPEC);
  const project = env.spec.projects.find((p) => p.name === 'benchdb')!;
  await env.destroy().catch(() => {}); // leftovers of an interrupted run
  env = await projectEnv(dir, SPEC);
  await env.start('benchdb');
  const password = await env.secrets.ensureGenerated('benchdb', 'DB_PASSWORD');
  const connection = {
    host: '127.0.0.1',
    port: env.plan.allocations.benchdb!.ports.db,
    user: 'benchdb',
    database: 'benchdb',
    password,
  };
  const client = new pg.Client(connection);
  client.on('error', () => {}); // a server that goes away fails the query in flight; that is reported
  await client.connect();
  let size = 0;
  let rows = 0;
  let tables: string[] = [];
  let loadMs = 0;
  try {
    [, loadMs] = await timed(async () => {
      for (const statement of LOAD) await client.query(statement);
    });
    size = Number((await client.query('SELECT pg_database_size(current_database()) AS n')).rows[0].n);
    tables = (
      await client.query(
        `SELECT format('%I.%I', schemaname, relname) AS t FROM pg_stat_user_tables ORDER BY 1`,
      )
    ).rows.map((r) => r.t as string);
  } finally {
    await client.end().catch(() => {});
  }

  /** Counting every table in one REPEATABLE READ snapshot, as the dump script does, alone. */
  async function countAlone(): Promise<number> {
    const c = new pg.Client(connection);
    c.on('error', () => {});
    await c.connect();
    try {
      const [, ms] = await timed(async () => {
        await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        rows = 0;
        for (const t of tables) rows += Number((await c.query(`SELECT count(*) AS n FROM ${t}`)).rows[0].n);
        await c.query('COMMIT');
      });
      return ms;
    } finally {
      await c.end();
    }
  }

  const job = oneOff(env, project, 'db-backup');
  const best = {
    baseDump: Infinity,
    baseRestore: Infinity,
    baseStart: Infinity,
    dump: Infinity,
    verify: Infinity,
  };
  const loads: string[] = [load()];
  let dumpBytes = 0;
  let sha256Ms = Infinity;
  let countMs = Infinity;
  for (let round = 1; round <= rounds; round++) {
    // Odd rounds measure the baseline first, even rounds stagecraft first: order effects cancel.
    const file = `baseline-${round}.dump`;
    const ourDump = () =>
      timed(() => backupService(env!, project, 'db', new Date(Date.UTC(2030, 0, 1, 0, 0, round))));
    const theirDump = () => timed(() => baselineDump(job, file));
    const first = round % 2 === 1;
    const [, baseDump] = first ? await theirDump() : [undefined, 0];
    const [record, dump] = await ourDump();
    const [, baseDumpLater] = first ? [undefined, 0] : await theirDump();
    const ourVerify = () => timed(() => verifyRestore(env!, project, record));
    const theirRestore = () => timed(() => baselineRestore(job, file));
    const [baseStart, baseRestore] = first ? await theirRestore() : [0, 0];
    const [v, verify] = await ourVerify();
    const [baseStartLater, baseRestoreLater] = first ? [0, 0] : await theirRestore();
    if (v.verdict !== 'pass') throw new Error(`verifyRestore did not pass: ${v.detail}`);
    const base = {
      dump: baseDump + baseDumpLater,
      restore: baseRestore + baseRestoreLater,
      start: baseStart + baseStartLater,
    };
    if (rounds > 1)
      console.log(
        `  round ${round} (${first ? 'baseline first' : 'stagecraft first'}): dump ${seconds(dump)} vs ${seconds(base.dump)}, restore ${seconds(verify)} vs ${seconds(base.restore)}, total ratio ${((dump + verify) / (base.dump + base.restore)).toFixed(2)}`,
      );
    loads.push(load());
    dumpBytes = record.bytes;
    const baseBytes = statSync(join(backupDir, 'benchdb', file)).size;
    if (Math.abs(baseBytes - record.bytes) > record.bytes * 0.02)
      throw new Error(`the dumps differ in size: baseline ${baseBytes}, stagecraft ${record.bytes} bytes`);
    best.baseDump = Math.min(best.baseDump, base.dump);
    best.baseRestore = Math.min(best.baseRestore, base.restore);
    best.baseStart = Math.min(best.baseStart, base.start);
    best.dump = Math.min(best.dump, dump);
    best.verify = Math.min(best.verify, verify);
    // The overhead's parts, alone: counts in one snapshot on the source, and the dump's checksum.
    countMs = Math.min(countMs, await countAlone());
    const path = backupFiles(env, record).dump;
    sha256Ms = Math.min(sha256Ms, (await timed(async () => execFileSync('sha256sum', [path])))[1]);
    for (const f of [file, ...backupFiles(env, record).all.map((p) => p.slice(p.lastIndexOf('/') + 1))])
      rmSync(join(backupDir, 'benchdb', f), { force: true });
  }

  const ours = best.dump + best.verify;
  const theirs = best.baseDump + best.baseRestore;
  const ratio = ours / theirs;
  const row = (label: string, a: number, b: number) =>
    console.log(
      `${label.padEnd(22)}${seconds(a).padStart(10)}  ${seconds(b).padStart(10)}  ${(a / b).toFixed(2).padStart(5)}`,
    );
  console.log(
    `backup: ${(size / 2 ** 30).toFixed(2)} GiB database (pg_database_size; ${tables.length} tables, ${(rows / 1e6).toFixed(1)} M rows, loaded in ${seconds(loadMs)}), dump ${(dumpBytes / 2 ** 20).toFixed(0)} MiB, ${rounds === 1 ? 'one round' : `best of ${rounds} rounds`}`,
  );
  console.log(
    `  load average (1 min) before and after each round: ${loads.join(', ')}; ${availableParallelism()} cores, shared`,
  );
  console.log('                      stagecraft  pg_dump/pg_restore  ratio');
  row('dump', best.dump, best.baseDump);
  row('restore (+ verify)', best.verify, best.baseRestore);
  row('total', ours, theirs);
  console.log(
    `  parts: scratch network + server start to healthy ${seconds(best.baseStart)} (the same code on both sides); measured alone: row counts of the source in one snapshot ${seconds(countMs)} (once per side), sha256 of the dump ${seconds(sha256Ms)}`,
  );
  console.log(`backup + verified restore: ratio to the ${TARGET} target: ${(ratio / TARGET).toFixed(2)}`);
}

try {
  await main();
} finally {
  await cleanup();
}
