import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/**
 * The dashboard in a real browser (Debian's chromium, driven by playwright-core) against a real
 * `serve` on a real environment of its own (environment `production`, ports 31xxx and subnets
 * 10.203/10.204, apart from examples/demo): a viewer sees no rollback button, an editor's rollback
 * changes the running release, logs stream in (with the secret a container prints replaced), and a
 * deploy's phases appear live. It writes screenshots into docs/screenshots/. Runs under the engine
 * lock (`flock /tmp/engine.lock`), and takes its environment down at the end, volumes too.
 */
const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'stagecraft');
const shots = join(root, 'docs', 'screenshots');
const dir = mkdtempSync(join(tmpdir(), 'stagecraft-dashboard-'));
const API_PORT = 31700;
const METRICS_PORT = 31701;
const base = `http://127.0.0.1:${API_PORT}`;
const SECRET = 'talker-secret-value-7c3e91';
const DEADLINE_MS = 120_000;

function spec(version: string): string {
  return `version: 1
environment: production
server:
  host: local
  domain: dash.localhost
  capacity: { cpus: 2, memory: 4GiB }
  cost: { monthly: 20, currency: USD }
  listen: { http: 31080, https: 31443 }
  images: local
network: { shared: 10.203.0.0/24, projects: 10.204.0.0/16, projectSize: 24 }
ports: { postgres: 31432, redis: 31479, rabbitmq: 31672, app: 31100 }
teams:
  devs: [alice]
  watchers: [dave]
shared:
  proxy: { tls: none, resources: { cpus: 0.1, memory: 64MiB } }
  monitoring: { prometheus: false, grafana: false, loki: false, alertmanager: false, cadvisor: false, nodeExporter: false }
projects:
  dash:
    access: { devs: editor, watchers: viewer }
    services:
      web:
        type: app
        image: stagecraft/demo-app:1
        resources: { cpus: 0.1, memory: 64MiB }
        health: { path: /health, interval: 2s, timeout: 2s, retries: 3, startPeriod: 1s }
        env: { DEMO_VERSION: "${version}" }
      talker:
        type: worker
        image: stagecraft/demo-app:1
        command: sh -c "echo talker has $DASH_TOKEN '<b>as text</b>'; exec sleep infinity"
        secrets: [DASH_TOKEN]
        resources: { cpus: 0.05, memory: 32MiB }
`;
}

function stagecraft(args: string[], input?: string) {
  const r = spawnSync(bin, args, {
    cwd: dir,
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, NO_COLOR: '1', USER: 'e2e' },
    ...(input !== undefined ? { input } : {}),
  });
  assert.equal(r.status, 0, `stagecraft ${args.join(' ')}: ${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Polls `check` until it returns something truthy, or fails naming `what` at the deadline. */
async function until<T>(what: string, check: () => Promise<T | undefined | null | false>): Promise<T> {
  const end = Date.now() + DEADLINE_MS;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const appVersion = async (port: number) => {
  const res = await fetch(`http://127.0.0.1:${port}/`);
  return ((await res.json()) as { version: string }).version;
};

describe('the dashboard in a browser', () => {
  let serve: ChildProcess;
  let serveOut = '';
  let browser: Browser;
  const tokens = { viewer: '', editor: '' };
  let appPort = 0;
  /** Every URL the pages requested: none may carry a token. */
  const requested: string[] = [];

  before(async () => {
    writeFileSync(join(dir, 'staging.yaml'), spec('1'));
    stagecraft(['secrets', 'set', 'dash', 'DASH_TOKEN'], SECRET);
    stagecraft(['up']);
    // A second release, so there is one to roll back to.
    writeFileSync(join(dir, 'staging.yaml'), spec('2'));
    stagecraft(['deploy', 'dash']);
    tokens.editor = stagecraft(['tokens', 'create', 'alice']).trim();
    tokens.viewer = stagecraft(['tokens', 'create', 'dave']).trim();

    serve = spawn(bin, ['serve', '--api', `127.0.0.1:${API_PORT}`, '--listen', `127.0.0.1:${METRICS_PORT}`], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
    });
    serve.stdout!.on('data', (c) => (serveOut += c));
    serve.stderr!.on('data', (c) => (serveOut += c));
    await until('serve to listen', async () => serveOut.includes('API on'));
    const project = (await (
      await fetch(`${base}/api/v1/projects/dash`, { headers: { authorization: `Bearer ${tokens.viewer}` } })
    ).json()) as { services: { name: string; port: number | null }[] };
    appPort = project.services.find((s) => s.name === 'web')!.port!;

    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    });
    mkdirSync(shots, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    if (serve && serve.exitCode === null) {
      const exited = new Promise((r) => serve.once('exit', r));
      serve.kill('SIGTERM');
      await exited;
    }
    spawnSync(bin, ['down', '--volumes'], { cwd: dir, encoding: 'utf8', timeout: 600_000 });
    rmSync(dir, { recursive: true, force: true });
  });

  /** A page signed in with the token, as a user would: the form, once. */
  async function signIn(
    token: string,
    opts: { viewport?: { width: number; height: number }; dark?: boolean } = {},
  ): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({
      viewport: opts.viewport ?? { width: 1280, height: 900 },
      colorScheme: opts.dark ? 'dark' : 'light',
    });
    const page = await context.newPage();
    page.on('request', (r) => requested.push(r.url()));
    page.on('dialog', (d) => d.accept());
    const res = await page.goto(`${base}/`);
    assert.equal(res?.status(), 200);
    await page.locator('#token').fill(token);
    await page.locator('#sign-in button[type=submit]').click();
    await page.getByTestId('project-dash').waitFor();
    return { context, page };
  }

  it('a viewer signs in once, sees the overview and the project, and no rollback button', async () => {
    const { context, page } = await signIn(tokens.viewer);
    try {
      const card = page.getByTestId('project-dash');
      await card.getByTestId('health').filter({ hasText: 'ok' }).waitFor();
      assert.match((await card.textContent()) ?? '', /succeeded/);
      assert.ok(
        await card.locator('a[href="http://dash.dash.localhost:31080/"]').count(),
        'the route is a link',
      );
      await page.getByTestId('shared-health').waitFor();
      await page.screenshot({ path: join(shots, 'dashboard-overview.png'), fullPage: true });

      // Reloading keeps the session: the form is not asked for again.
      await page.reload();
      await page.getByTestId('project-dash').waitFor();
      assert.equal(await page.locator('#sign-in').isHidden(), true);

      await page.goto(`${base}/#/p/dash`);
      await page.getByTestId('releases').locator('tbody tr').first().waitFor();
      assert.match((await page.getByTestId('role').textContent()) ?? '', /viewer/);
      assert.equal(await page.getByTestId('rollback').count(), 0, 'a viewer has no rollback button');

      await page.goto(`${base}/#/isolation`);
      await page.getByTestId('isolation').locator('td').first().waitFor();
      assert.match((await page.getByTestId('probe').textContent()) ?? '', /Last probe/);
      await page.screenshot({ path: join(shots, 'dashboard-isolation.png') });
    } finally {
      await context.close();
    }
  });

  it('streams a service’s logs into the page, with the secret a container prints replaced', async () => {
    const { context, page } = await signIn(tokens.viewer);
    try {
      await page.goto(`${base}/#/p/dash`);
      const logs = page.getByTestId('logs');
      await page.getByTestId('log-service').selectOption('talker');
      await logs.filter({ hasText: 'talker has [secret] <b>as text</b>' }).waitFor();
      assert.ok(!((await logs.textContent()) ?? '').includes(SECRET), 'the secret value reached the page');
      assert.equal(await logs.locator('b').count(), 0, 'a line is text, never markup');

      await page.getByTestId('log-service').selectOption('web');
      await page.getByTestId('logs-state').filter({ hasText: 'following' }).waitFor();
      // A line the app writes after the page started following.
      await fetch(`http://127.0.0.1:${appPort}/dashboard-e2e-probe`);
      await logs.filter({ hasText: 'dashboard-e2e-probe' }).waitFor();
    } finally {
      await context.close();
    }
  });

  it('an editor’s rollback changes the running release, and a deploy shows its phases live', async () => {
    assert.equal(await appVersion(appPort), '2');
    const { context, page } = await signIn(tokens.editor, {
      viewport: { width: 390, height: 844 },
      dark: true,
    });
    try {
      await page.goto(`${base}/#/p/dash`);
      await page.getByTestId('rollback').click();
      await page.getByTestId('action-status').filter({ hasText: 'done' }).waitFor({ timeout: DEADLINE_MS });
      await page
        .getByTestId('releases')
        .locator('tbody tr')
        .first()
        .filter({ hasText: 'rollback to' })
        .waitFor();
      assert.equal(await until('the app to answer as release 1', async () => appVersion(appPort)), '1');

      // A deploy through the API while the page is open: its phases reach the page as they happen.
      const deployed = fetch(`${base}/api/v1/projects/dash/deploy`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.editor}`, 'content-type': 'application/json' },
        body: '{}',
      });
      await page.getByTestId('phases').filter({ hasText: 'deploy by alice started' }).waitFor();
      await page.screenshot({ path: join(shots, 'dashboard-project-phone-dark.png'), fullPage: true });
      const result = await deployed;
      assert.equal(result.status, 200, await result.text());
      await page.getByTestId('events').locator('li[data-kind="deploy"]').first().waitFor();
      await page.getByTestId('phases').filter({ hasText: 'deployed by alice' }).waitFor();
      assert.equal(await appVersion(appPort), '2');
    } finally {
      await context.close();
    }
  });

  it('the project page at laptop size, light (the README’s screenshot)', async () => {
    const { context, page } = await signIn(tokens.editor);
    try {
      await page.goto(`${base}/#/p/dash`);
      await page.getByTestId('logs-state').filter({ hasText: 'following' }).waitFor();
      await fetch(`http://127.0.0.1:${appPort}/health`);
      await page.getByTestId('logs').filter({ hasText: '/health' }).waitFor();
      await page.screenshot({ path: join(shots, 'dashboard-project.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });

  it('no page request carried a token in its URL', () => {
    assert.ok(requested.length > 0);
    for (const t of [tokens.viewer, tokens.editor])
      assert.ok(!requested.some((u) => u.includes(t) || u.includes(encodeURIComponent(t))));
  });
});
