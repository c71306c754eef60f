import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../support/run-cli.ts';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'stagecraft');

/** The binary itself, in a child process: what a user's shell sees. */
function binary(args: string[], opts: { cwd?: string; input?: string } = {}) {
  const r = spawnSync(bin, args, {
    cwd: opts.cwd ?? root,
    input: opts.input ?? '',
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A command run in this process (`run(argv, io)`), with its working directory and variables passed in. */
function stagecraft(
  args: string[],
  opts: { cwd?: string; input?: string; env?: Record<string, string> } = {},
) {
  return runCli(args, {
    cwd: opts.cwd ?? root,
    ...(opts.input ? { input: opts.input } : {}),
    ...(opts.env ? { env: opts.env } : {}),
  });
}

function workspace(example = 'demo'): { dir: string; spec: string } {
  const dir = mkdtempSync(join(tmpdir(), 'stagecraft-cli-'));
  cpSync(join(root, 'examples', example, 'staging.yaml'), join(dir, 'staging.yaml'));
  return { dir, spec: join(dir, 'staging.yaml') };
}

const NO_STACK = /\n\s+at .+:\d+:\d+/;

describe('the stagecraft binary', () => {
  it('reports every error as file:line:col with exit 2 and no stack trace', async () => {
    const { dir } = workspace();
    const bad = readFileSync(join(dir, 'staging.yaml'), 'utf8')
      .replace('replicas: 2', 'replicas: two')
      .replace('uses: [db, cache]', 'uses: [db, cash]');
    writeFileSync(join(dir, 'staging.yaml'), bad);
    const r = binary(['validate'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.err, /^staging\.yaml:\d+:\d+: error SC0303: projects\.shop\.services\.web\.replicas: /m);
    assert.match(r.err, /^staging\.yaml:\d+:\d+: error SC0410: shop\/web uses "cash"/m);
    assert.match(r.err, /error: 2 errors in staging\.yaml/);
    assert.doesNotMatch(r.err, NO_STACK);
  });

  it('rejects an unknown option with exit 2', async () => {
    const r = binary(['validate', '--nope']);
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown option '--nope'/);
  });

  it('prints its version, and stores a secret piped into it with mode 0600', async () => {
    const version = binary(['--version']);
    assert.equal(version.code, 0, version.err);
    assert.equal(version.out, '0.1.0\n');
    const { dir } = workspace();
    const set = binary(['secrets', 'set', 'shop', 'TOKEN'], { cwd: dir, input: 'piped-value\n' });
    assert.equal(set.code, 0, set.err);
    const file = join(dir, '.stagecraft', 'secrets', 'shop', 'TOKEN');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(readFileSync(file, 'utf8'), 'piped-value');
  });
});

describe('the stagecraft command, in-process', () => {
  it('validates a good spec with exit 0', async () => {
    const r = await stagecraft(['validate', 'examples/beryl3/staging.yaml']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /examples\/beryl3\/staging\.yaml is valid: 2 projects, 10 services/);
  });

  it('reads its variables and its working directory from what it is given, not from the process', async () => {
    const { dir } = workspace();
    const text = readFileSync(join(dir, 'staging.yaml'), 'utf8');
    writeFileSync(
      join(dir, 'staging.yaml'),
      text.replaceAll('stagecraft/demo-app:1', 'stagecraft/demo-app:${APP_TAG}'),
    );
    const out = join(dir, 'out');
    const r = await stagecraft(['render', '--out', 'out'], {
      cwd: dir,
      env: { APP_TAG: 'given-7', STAGECRAFT_STATE: 'elsewhere/state.db' },
    });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /wrote \d+ files to out$/m);
    assert.ok(
      readFileSync(join(out, 'projects/shop/compose.yaml'), 'utf8').includes(
        'image: "stagecraft/demo-app:given-7"',
      ),
      'the image from the APP_TAG given',
    );
    assert.ok(
      existsSync(join(dir, 'elsewhere', 'state.db')),
      'the state where STAGECRAFT_STATE says, from the given cwd',
    );
    assert.equal(existsSync(join(dir, '.stagecraft', 'state.db')), false);
    const unset = await stagecraft(['validate'], { cwd: dir });
    assert.equal(unset.code, 2, 'APP_TAG is not read from this process');
    assert.match(unset.err, /APP_TAG/);
  });

  it('says clearly when there is no spec, with exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stagecraft-none-'));
    const r = await stagecraft(['plan'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(
      r.err,
      /staging\.yaml: no such spec file \(stagecraft reads \.\/staging\.yaml unless given a path\)/,
    );
  });

  it('prints help for every command', async () => {
    for (const args of [
      ['--help'],
      ['validate', '--help'],
      ['plan', '--help'],
      ['secrets', '--help'],
      ['secrets', 'set', '--help'],
      ['secrets', 'list', '--help'],
      ['schema', '--help'],
    ]) {
      const r = await stagecraft(args);
      assert.equal(r.code, 0, args.join(' '));
      assert.match(r.out, /Usage: stagecraft/);
    }
  });

  it('plans as a table for people and as JSON for scripts, without writing state', async () => {
    const { dir } = workspace();
    const human = await stagecraft(['plan'], { cwd: dir });
    assert.equal(human.code, 0, human.err);
    assert.match(human.out, /Allocations/);
    // The exact port depends on what else listens on this machine (a running demo takes 18000).
    assert.match(human.out, /shop\s+172\.30\.0\.0\/24\s+web\s+app ×2\s+127\.0\.0\.1:180\d\d/);
    assert.match(human.out, /CPUs\s+\[█+░*\]\s+\d+%/);
    assert.match(human.out, /\+ projects: shop, blog/);
    assert.ok(!human.out.includes('\u001b['), 'no colour when not on a terminal');

    const r = await stagecraft(['plan', '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.err);
    const plan = JSON.parse(r.out);
    assert.equal(plan.allocations.shop.subnet, '172.30.0.0/24');
    assert.equal(typeof plan.allocations.blog.ports.db, 'number');
    assert.ok(plan.budget.cpus.used > 0 && plan.budget.memory.available > 0);
    assert.equal(plan.cost.currency, 'USD');
    const total =
      plan.cost.shared +
      Object.values(plan.cost.projects as Record<string, number>).reduce((a, b) => a + b, 0);
    assert.equal(Math.round(total * 100), 2000);
    assert.ok(
      plan.isolation.some(
        (e: { from: string; to: string; except?: string; allowed: boolean }) =>
          e.from === 'shop/*' && e.to === '*/*' && e.except === 'shop/*' && !e.allowed,
      ),
    );
    assert.ok(
      plan.isolation.some(
        (e: { from: string; to: string; except?: string; allowed: boolean }) =>
          e.from === 'shared/proxy' && e.to === 'shop/web' && e.allowed,
      ),
    );
    assert.ok(
      plan.isolation.some(
        (e: { from: string; to: string; except?: string; allowed: boolean }) =>
          e.from === 'shared/proxy' && e.to === 'shop/db' && !e.allowed,
      ),
    );
    assert.equal(existsSync(join(dir, '.stagecraft', 'state.db')), false, 'plan never writes the state');
  });

  it('stores secrets from standard input with mode 0600 and lists names only', async () => {
    const { dir } = workspace('beryl3');
    const missing = await stagecraft(['plan'], { cwd: dir });
    assert.equal(missing.code, 2);
    assert.match(missing.err, /secret DJANGO_SECRET_KEY of beryl3\/web \(project beryl3\) is not set/);
    assert.match(missing.err, /stagecraft secrets set beryl3 DJANGO_SECRET_KEY/);

    const value = 'sup3r-s3cret-value-for-test';
    const set = await stagecraft(['secrets', 'set', 'beryl3', 'DJANGO_SECRET_KEY'], {
      cwd: dir,
      input: `${value}\n`,
    });
    assert.equal(set.code, 0, set.err);
    const file = join(dir, '.stagecraft', 'secrets', 'beryl3', 'DJANGO_SECRET_KEY');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(readFileSync(file, 'utf8'), value);

    const list = await stagecraft(['secrets', 'list', '--json'], { cwd: dir });
    assert.equal(list.code, 0, list.err);
    assert.doesNotMatch(list.out, new RegExp(value));
    const rows = JSON.parse(list.out) as { project: string; name: string; set: boolean }[];
    assert.ok(rows.some((r) => r.project === 'beryl3' && r.name === 'DJANGO_SECRET_KEY' && r.set));
    assert.ok(rows.some((r) => r.project === 'shared' && r.name === 'SLACK_WEBHOOK' && !r.set));

    for (const [p, n] of [
      ['shared', 'SLACK_WEBHOOK'],
      ['beryl3', 'BACKUP_S3_ACCESS_KEY'],
      ['beryl3', 'BACKUP_S3_SECRET_KEY'],
      ['project2', 'DJANGO_SECRET_KEY'],
    ]) {
      assert.equal(
        (await stagecraft(['secrets', 'set', p!, n!], { cwd: dir, input: `${value}-${n}` })).code,
        0,
      );
    }
    const plan = await stagecraft(['plan'], { cwd: dir });
    assert.equal(plan.code, 0, plan.err);
    for (const out of [plan.out, plan.err, (await stagecraft(['plan', '--json'], { cwd: dir })).out])
      assert.doesNotMatch(out, /s3cret/);
  });

  it('refuses an empty secret and a bad secret name with exit 2', async () => {
    const { dir } = workspace();
    assert.equal((await stagecraft(['secrets', 'set', 'shop', 'TOKEN'], { cwd: dir, input: '' })).code, 2);
    const bad = await stagecraft(['secrets', 'set', 'shop', '../../etc/passwd'], { cwd: dir, input: 'x' });
    assert.equal(bad.code, 2);
    assert.doesNotMatch(bad.err, NO_STACK);
  });

  it('prints a JSON Schema that names the spec’s fields', async () => {
    const r = await stagecraft(['schema']);
    assert.equal(r.code, 0);
    const schema = JSON.parse(r.out);
    assert.equal(schema.additionalProperties, false);
    assert.deepEqual(schema.required.sort(), ['server', 'version']);
    assert.ok(schema.properties.projects.additionalProperties.properties.services);
  });
});

describe('stagecraft render', () => {
  it('writes the whole layout, records the allocations, and keeps secret values out of every rendered file', async () => {
    const { dir } = workspace('beryl3');
    const values: string[] = [];
    for (const [p, n] of [
      ['beryl3', 'DJANGO_SECRET_KEY'],
      ['project2', 'DJANGO_SECRET_KEY'],
      ['shared', 'SLACK_WEBHOOK'],
      ['beryl3', 'BACKUP_S3_ACCESS_KEY'],
      ['beryl3', 'BACKUP_S3_SECRET_KEY'],
    ] as const) {
      const value = `Sc4n-${p}-${n}-value`;
      values.push(value);
      assert.equal((await stagecraft(['secrets', 'set', p, n], { cwd: dir, input: value })).code, 0);
    }
    const out = join(dir, 'out');
    const r = await stagecraft(['render', '--target', 'compose', '--out', out], { cwd: dir });
    assert.equal(r.code, 0, r.err);
    for (const f of [
      'shared/compose.yaml',
      'shared/nginx/nginx.conf',
      'shared/nginx/conf.d/beryl3.conf',
      'shared/prometheus/prometheus.yml',
      'shared/prometheus/rules/apps.yml',
      'shared/alertmanager/alertmanager.yml',
      'shared/loki/loki.yml',
      'shared/alloy/config.alloy',
      'shared/grafana/provisioning/datasources/datasources.yml',
      'shared/grafana/dashboards/beryl3/application.json',
      'projects/beryl3/compose.yaml',
      'projects/beryl3/backup/schedule',
      'projects/beryl3/backup/backup.sh',
      'plan.json',
    ]) {
      assert.ok(existsSync(join(out, f)), f);
    }
    assert.equal(
      existsSync(join(out, 'projects/beryl3/secrets')),
      false,
      'no secret files without --with-secrets',
    );
    const plan = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8'));
    assert.ok(existsSync(join(dir, '.stagecraft', 'state.db')), 'render records the allocations');
    const again = JSON.parse((await stagecraft(['plan', '--json'], { cwd: dir })).out);
    assert.deepEqual(again.allocations, plan.allocations, 'the next plan keeps them');
    assert.deepEqual(
      again.diff.projects.map((p: { change: string }) => p.change),
      ['keep', 'keep'],
    );

    const withSecrets = await stagecraft(['render', '--out', out, '--with-secrets'], { cwd: dir });
    assert.equal(withSecrets.code, 0, withSecrets.err);
    const secretFile = join(out, 'projects/beryl3/secrets/web-1.env');
    assert.equal(statSync(secretFile).mode & 0o777, 0o600);
    assert.match(readFileSync(secretFile, 'utf8'), /DJANGO_SECRET_KEY=Sc4n-beryl3-DJANGO_SECRET_KEY-value/);
    const generated = readFileSync(join(dir, '.stagecraft/secrets/beryl3/DB_PASSWORD'), 'utf8');
    assert.match(
      readFileSync(secretFile, 'utf8'),
      new RegExp(`DATABASE_URL=postgres://beryl3:${generated}@db:5432/beryl3`),
    );
    // Read every rendered file but the secret files themselves: each must hold none of the values.
    const rendered = readdirSync(out, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && !e.parentPath.split('/').includes('secrets'))
      .map((e) => join(e.parentPath, e.name));
    assert.ok(rendered.length > 20, `the scan reads the rendered files (${rendered.length})`);
    const leaks = rendered.filter((f) => {
      const text = readFileSync(f, 'utf8');
      return [...values, generated].some((v) => text.includes(v));
    });
    assert.deepEqual(leaks, [], 'no secret value outside the secret files');
    assert.doesNotMatch(withSecrets.out + withSecrets.err, /Sc4n-/);
  });
});
