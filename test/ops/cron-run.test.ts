import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import { ensureNetwork } from '../../src/drivers/docker/engine.ts';
import { LABEL } from '../../src/model/index.ts';
import { runCronService } from '../../src/ops/cron-run.ts';
import { metricsFacts, metricsText } from '../../src/ops/metrics.ts';
import type { RunningEnvironment } from '../../src/ops/running-environment.ts';
import { scheduledJobs } from '../../src/ops/schedule.ts';
import { serveExecutors, startScheduler } from '../../src/ops/serve.ts';
import { planEnvironment } from '../../src/plan/index.ts';
import { projectStack } from '../../src/render/index.ts';
import { loadSpecText } from '../../src/spec/index.ts';
import { openSecretStore, openStore, type SecretStore } from '../../src/state/index.ts';

/**
 * Cron services run for real: a project of this test's own (environment `preview`, its own subnet,
 * no shared stack), its internal network made with the driver, and the cron one-offs from the base
 * image. Only this project's containers and network are touched. Short timeouts: runOnce keeps its
 * timeout timer after a run ends, and the test process waits for it.
 */
const PROJECT = 'cronlab';
const SPEC = `version: 1
environment: preview
server: { domain: cronlab.test, capacity: { cpus: 8, memory: 8GiB }, images: local }
network: { shared: 10.246.0.0/24, projects: 10.247.0.0/16, projectSize: 24 }
projects:
  ${PROJECT}:
    services:
      tick:
        type: cron
        image: stagecraft/base:bookworm
        schedule: "*/1 * * * *"
        command: "sh -c 'echo tick done'"
        timeout: 20s
        resources: { cpus: 0.1, memory: 32MiB }
      broken:
        type: cron
        image: stagecraft/base:bookworm
        schedule: "*/1 * * * *"
        command: "sh -c 'echo about to fail; exit 3'"
        timeout: 20s
        resources: { cpus: 0.1, memory: 32MiB }
      slow:
        type: cron
        image: stagecraft/base:bookworm
        schedule: "0 4 * * *"
        command: "sh -c 'echo started; exec sleep 60'"
        timeout: 2s
        resources: { cpus: 0.1, memory: 32MiB }
`;

describe('cron services run by serve, on the real engine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stagecraft-cron-'));
  const docker = new Docker({ socketPath: '/var/run/docker.sock' });
  let env: RunningEnvironment & { secrets: SecretStore };

  const ours = async () =>
    docker.listContainers({
      all: true,
      filters: { label: [`${LABEL.environment}=preview`, `${LABEL.project}=${PROJECT}`] },
    });

  before(async () => {
    const loaded = loadSpecText('staging.yaml', SPEC, {});
    assert.ok(loaded.spec, JSON.stringify(loaded.diagnostics));
    const spec = loaded.spec;
    const plan = planEnvironment(spec);
    const store = await openStore({ path: join(dir, 'state.db') });
    const secrets = await openSecretStore({ dir: join(dir, 'secrets') });
    env = { spec, plan, docker, store, secrets, serverDir: join(dir, 'server') };
    const internal = projectStack({ spec, plan }, spec.projects[0]!)!.networks.find(
      (n) => n.key === 'internal',
    )!;
    await ensureNetwork(docker, internal);
  });

  after(async () => {
    for (const c of await ours()) await docker.getContainer(c.Id).remove({ force: true });
    await docker
      .getNetwork(`${PROJECT}-internal`)
      .remove()
      .catch(() => {});
    await env?.secrets.close();
    await env?.store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a run that succeeds and one that exits 3: events, and stagecraft_cron_last_run_success 1 and 0', async () => {
    let t = Date.parse('2030-01-01T00:00:30Z');
    const now = () => new Date(t);
    const jobs = scheduledJobs(env.spec).filter((j) => j.service !== 'slow');
    assert.deepEqual(
      jobs.map((j) => `${j.kind}:${j.service}`),
      ['cron:broken', 'cron:tick'],
    );
    const scheduler = await startScheduler({
      store: env.store,
      jobs,
      executors: serveExecutors(env, now),
      now,
      tickMs: 20,
    });
    t += 30_000; // 00:01:00: both are due
    const deadline = Date.now() + 60_000;
    while ((await env.store.listEvents({ kind: 'cron' })).length < 2) {
      assert.ok(Date.now() < deadline, 'both runs finish within a minute');
      await new Promise((r) => setTimeout(r, 50));
    }
    await scheduler.stop();

    const events = await env.store.listEvents({ project: PROJECT, kind: 'cron' });
    const of = (service: string) => {
      const e = events.find((x) => (x.data as { service: string }).service === service);
      assert.ok(e, `an event for ${service}`);
      return { message: e.message, data: e.data as Record<string, unknown> };
    };
    const tick = of('tick');
    assert.match(tick.message, /^cron tick succeeded \(exit 0\) in /);
    assert.equal(tick.data.outcome, 'succeeded');
    assert.equal(tick.data.code, 0);
    assert.match(String(tick.data.logTail), /tick done/);
    assert.equal(tick.data.slot, '2030-01-01T00:01:00.000Z');
    const broken = of('broken');
    assert.match(broken.message, /^cron broken failed \(exit 3\) in /);
    assert.equal(broken.data.outcome, 'failed');
    assert.equal(broken.data.code, 3);
    assert.match(String(broken.data.logTail), /about to fail/);

    const text = metricsText(await metricsFacts(env.store, jobs));
    assert.match(text, /^stagecraft_cron_last_run_success\{project="cronlab",service="tick"\} 1$/m);
    assert.match(text, /^stagecraft_cron_last_run_success\{project="cronlab",service="broken"\} 0$/m);
    assert.match(
      text,
      /^stagecraft_cron_last_run_timestamp_seconds\{project="cronlab",service="tick"\} 1893456060$/m,
    );
    // The last run of each stays, exited, for `stagecraft logs`; nothing is left running.
    const left = await ours();
    assert.deepEqual(left.map((c) => c.Names[0]).sort(), ['/cronlab-broken', '/cronlab-tick']);
    assert.ok(left.every((c) => c.State === 'exited'));
  });

  it('a run past its timeout is stopped, removed, and failed with no exit code', async () => {
    const started = Date.now();
    const r = await runCronService(env, PROJECT, 'slow');
    assert.equal(r.ok, false);
    assert.equal(r.code, null);
    assert.equal(r.message, 'did not finish within 2s');
    assert.match(r.logTail, /started/);
    assert.ok(Date.now() - started < 20_000, 'not the full minute');
    const left = await ours();
    assert.deepEqual(
      left.filter((c) => c.Names[0] === '/cronlab-slow'),
      [],
      'the run that overran is removed',
    );
    assert.ok(
      left.every((c) => c.State === 'exited'),
      'nothing is left running',
    );
  });

  it('a service that is not a cron service of the spec is refused', async () => {
    await assert.rejects(
      runCronService(env, PROJECT, 'nope'),
      /cronlab\/nope is not a cron service of the spec/,
    );
  });
});
