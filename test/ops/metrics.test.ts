import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ensureSelfSignedCertificates } from '../../src/ops/certificates.ts';
import { certificateExpiries, type MetricsFacts, metricsFacts, metricsText } from '../../src/ops/metrics.ts';
import { scheduledJobs } from '../../src/ops/schedule.ts';
import { file } from '../../src/render/index.ts';
import { alertRules } from '../../src/render/prometheus/index.ts';
import { type BackupRecord, openStore } from '../../src/state/index.ts';
import { exampleContext } from '../support/render.ts';

const root = mkdtempSync(join(tmpdir(), 'stagecraft-metrics-'));
after(() => rmSync(root, { recursive: true, force: true }));

const facts: MetricsFacts = {
  backups: [
    {
      project: 'beryl3',
      service: 'db',
      lastSuccess: new Date('2030-01-02T02:00:05.250Z'),
      restoreVerified: new Date('2030-01-02T03:01:00Z'),
      lastRunOk: false,
    },
    { project: 'gw2', service: 'db' },
  ],
  cron: [
    { project: 'beryl3', service: 'stops', ok: true, at: new Date('2030-01-02T10:00:00Z') },
    { project: 'gw2', service: 'say "hi"\\now', ok: false, at: new Date('2030-01-02T10:00:00Z') },
  ],
  certificates: [{ domain: 'beryl3-stage.mdubiel.org', expiresAt: new Date('2030-03-01T00:00:00Z') }],
  drift: [
    { project: 'beryl3', kind: 'stopped', count: 1 },
    { project: 'beryl3', kind: 'network', count: 0 },
  ],
  rollbacks: [{ project: 'beryl3', at: new Date('2030-01-02T11:00:00Z') }],
  volumes: [{ project: 'shared', service: 'registry', volume: 'shared-registry-data', bytes: 1048576 }],
};

/** promtool's linter on the exposition text: exit 0 and no complaints. */
function promtoolCheckMetrics(text: string): void {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.equal(`${r.stdout}${r.stderr}`.trim(), '');
}

describe('the control plane’s /metrics', () => {
  it('is the text exposition format, and promtool finds nothing to say about it', () => {
    const text = metricsText(facts);
    assert.equal(
      text,
      [
        '# HELP stagecraft_backup_last_success_timestamp_seconds When the newest backup of a database was taken (Unix time).',
        '# TYPE stagecraft_backup_last_success_timestamp_seconds gauge',
        'stagecraft_backup_last_success_timestamp_seconds{project="beryl3",service="db"} 1893549605.25',
        '# HELP stagecraft_backup_last_run_success Whether the last backup run of a database succeeded (1) or failed (0).',
        '# TYPE stagecraft_backup_last_run_success gauge',
        'stagecraft_backup_last_run_success{project="beryl3",service="db"} 0',
        '# HELP stagecraft_restore_verified_timestamp_seconds When a restore of a backup of a database last passed verification (Unix time).',
        '# TYPE stagecraft_restore_verified_timestamp_seconds gauge',
        'stagecraft_restore_verified_timestamp_seconds{project="beryl3",service="db"} 1893553260',
        '# HELP stagecraft_cron_last_run_success Whether the last scheduled run of a cron service succeeded (1) or failed (0).',
        '# TYPE stagecraft_cron_last_run_success gauge',
        'stagecraft_cron_last_run_success{project="beryl3",service="stops"} 1',
        'stagecraft_cron_last_run_success{project="gw2",service="say \\"hi\\"\\\\now"} 0',
        '# HELP stagecraft_cron_last_run_timestamp_seconds When the last scheduled run of a cron service started (Unix time).',
        '# TYPE stagecraft_cron_last_run_timestamp_seconds gauge',
        'stagecraft_cron_last_run_timestamp_seconds{project="beryl3",service="stops"} 1893578400',
        'stagecraft_cron_last_run_timestamp_seconds{project="gw2",service="say \\"hi\\"\\\\now"} 1893578400',
        '# HELP stagecraft_certificate_expiry_timestamp_seconds When the TLS certificate the shared proxy serves for a domain expires (Unix time).',
        '# TYPE stagecraft_certificate_expiry_timestamp_seconds gauge',
        'stagecraft_certificate_expiry_timestamp_seconds{domain="beryl3-stage.mdubiel.org"} 1898553600',
        '# HELP stagecraft_drift Containers that differ from the spec on the engine, by kind (changed, stopped, missing, unexpected, network).',
        '# TYPE stagecraft_drift gauge',
        'stagecraft_drift{project="beryl3",kind="stopped"} 1',
        'stagecraft_drift{project="beryl3",kind="network"} 0',
        '# HELP stagecraft_deploy_rolled_back_timestamp_seconds When the deploy analysis last rolled a release of the project back (Unix time).',
        '# TYPE stagecraft_deploy_rolled_back_timestamp_seconds gauge',
        'stagecraft_deploy_rolled_back_timestamp_seconds{project="beryl3"} 1893582000',
        '# HELP stagecraft_volume_size_bytes The bytes a watched volume holds, as the engine counts them.',
        '# TYPE stagecraft_volume_size_bytes gauge',
        'stagecraft_volume_size_bytes{project="shared",service="registry",volume="shared-registry-data"} 1048576',
        '',
      ].join('\n'),
    );
    promtoolCheckMetrics(text);
    assert.equal(metricsText({ backups: [], cron: [], certificates: [] }), '', 'nothing known, nothing said');
  });

  it('has every series the rendered alert rules read, with the labels their messages name', () => {
    const text = metricsText(facts);
    const exported = new Map<string, Set<string>>();
    for (const m of text.matchAll(/^(stagecraft_\w+)\{([^}]*)\}/gm))
      exported.set(m[1]!, new Set([...m[2]!.matchAll(/(\w+)="/g)].map((l) => l[1]!)));
    const rules = alertRules(exampleContext('beryl3').spec).filter((r) => /(?<!\w)stagecraft_/.test(r.expr));
    assert.ok(rules.length >= 3, 'the backup, certificate and cron rules');
    for (const rule of rules) {
      for (const [metric] of rule.expr.matchAll(/(?<!\w)stagecraft_\w+/g)) {
        assert.ok(exported.has(metric), `${rule.alert} reads ${metric}, which /metrics does not export`);
        for (const [, label] of `${rule.summary} ${rule.description}`.matchAll(/\$labels\.(\w+)/g))
          assert.ok(
            exported.get(metric)!.has(label!),
            `${rule.alert} names the label ${label} that ${metric} lacks`,
          );
      }
    }
  });

  it('comes from the store: backups and their checks of the spec’s databases, the newest cron runs', async () => {
    const store = await openStore({ path: join(root, 'state.db') });
    const ctx = exampleContext('beryl3');
    const jobs = scheduledJobs(ctx.spec);
    const backup = (id: string, createdAt: string, service = 'db', project = 'beryl3'): BackupRecord => ({
      id,
      project,
      service,
      path: `/opt/backups/${project}/${id}.dump`,
      bytes: 1000,
      sha256: 'x',
      createdAt,
      manifest: {},
      verified: null,
      verifiedAt: null,
      remote: null,
    });
    await store.addBackup(backup('a', '2030-01-01T02:00:00.000Z'));
    await store.addBackup(backup('b', '2030-01-02T02:00:00.000Z'));
    await store.addBackup(backup('c', '2030-01-09T02:00:00.000Z', 'db', 'gone'));
    await store.updateBackup('a', { verified: 'pass', verifiedAt: '2030-01-01T03:00:00.000Z' });
    await store.updateBackup('b', { verified: 'fail', verifiedAt: '2030-01-02T03:00:00.000Z' });
    const run = (ok: boolean, startedAt: string) =>
      store.addEvent({
        project: 'beryl3',
        kind: 'cron',
        message: ok ? 'ok' : 'failed',
        data: { service: 'stops', ok, outcome: ok ? 'succeeded' : 'failed', startedAt },
        at: startedAt,
      });
    // The newest backup run failed (a full disk): it left no backup, and says so.
    await store.addEvent({
      project: 'beryl3',
      kind: 'backup',
      message: 'backup of db failed: no space left on device',
      data: { service: 'db', ok: false },
      at: '2030-01-03T02:00:00.000Z',
    });
    await run(true, '2030-01-02T10:00:00.000Z');
    await run(false, '2030-01-02T10:01:00.000Z');
    await store.addEvent({
      project: 'beryl3',
      kind: 'cron',
      message: 'not a run of stops',
      data: { service: 'other' },
    });

    const got = await metricsFacts(store, jobs);
    assert.deepEqual(got.backups, [
      {
        project: 'beryl3',
        service: 'db',
        lastSuccess: new Date('2030-01-02T02:00:00.000Z'),
        restoreVerified: new Date('2030-01-01T03:00:00.000Z'),
        lastRunOk: false,
      },
      { project: 'project2', service: 'db' },
    ]);
    assert.deepEqual(got.cron, [
      { project: 'beryl3', service: 'stops', ok: false, at: new Date('2030-01-02T10:01:00.000Z') },
    ]);
    promtoolCheckMetrics(metricsText(got));
    await store.close();
  });

  it('reads the expiry of each certificate the proxy config names, when its file is there', () => {
    const dir = join(root, 'nginx');
    const conf = file(
      'shared/nginx/conf.d/a.conf',
      [
        'ssl_certificate certs/a.test.crt;',
        '    ssl_certificate_key certs/a.test.key;',
        'ssl_certificate certs/b.test.crt;',
        '    ssl_certificate_key certs/b.test.key;',
      ].join('\n'),
    );
    ensureSelfSignedCertificates(dir, [
      file('shared/nginx/conf.d/a.conf', conf.content.split('\n').slice(0, 2).join('\n')),
    ]);
    const [a, ...rest] = certificateExpiries(dir, [conf]);
    assert.deepEqual(rest, [], 'b.test has no file yet');
    assert.equal(a!.domain, 'a.test');
    const days = (a!.expiresAt.getTime() - Date.now()) / 86400_000;
    assert.ok(days > 824 && days <= 825, `self-signed for 825 days, not ${days}`);
  });
});
