import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { renderAlertmanager } from '../../../src/render/alertmanager/index.ts';
import { freePort } from '../../support/http.ts';
import { exampleContext } from '../../support/render.ts';

interface Alert {
  labels: Record<string, string>;
  status: { state: string; inhibitedBy: string[] };
}

/**
 * The real Alertmanager (Debian's 0.25) runs the rendered beryl3 config as written (its Slack
 * webhook file need not exist until a notification is sent); alerts are posted to its API and their
 * state read back.
 */
describe('inhibition, run by the real Alertmanager', () => {
  let alertmanager: ChildProcess | undefined;
  let api = '';

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stagecraft-alertmanager-live-'));
    writeFileSync(join(dir, 'alertmanager.yml'), renderAlertmanager(exampleContext('beryl3'))[0]!.content);
    const port = await freePort();
    api = `http://127.0.0.1:${port}/api/v2`;
    alertmanager = spawn(
      'prometheus-alertmanager',
      [
        `--config.file=${join(dir, 'alertmanager.yml')}`,
        `--storage.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
      ],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 80; i++) {
      try {
        if ((await fetch(`${api}/status`)).ok) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail('Alertmanager did not start');
  });

  after(() => {
    alertmanager?.kill();
  });

  it("while a service is down, its symptoms are held back; its backups, other services and the host's alerts are not", async () => {
    const alert = (alertname: string, labels: Record<string, string>) => ({
      labels: { alertname, severity: 'critical', ...labels },
    });
    const web = { project: 'beryl3', service: 'web' };
    const node = {
      project: 'shared',
      service: 'node-exporter',
      job: 'node',
      instance: 'shared-node-exporter:9100',
    };
    const host = { project: 'shared', service: 'host', instance: 'shared-node-exporter:9100' };
    const posted = await fetch(`${api}/alerts`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify([
        alert('ServiceDown', { ...web, job: 'beryl3-web', instance: '172.20.128.2:8000' }),
        alert('AppHighErrorRate', web),
        alert('ContainerHighMemory', { ...web, name: 'beryl3-web-1' }),
        alert('AppHighErrorRate', { project: 'project2', service: 'web' }),
        alert('BackupTooOld', { project: 'beryl3', service: 'web' }),
        alert('ServiceMissing', { project: 'project2', service: 'api', job: 'project2-api' }),
        alert('AppSlowResponses', { project: 'project2', service: 'api' }),
        alert('ServiceDown', node),
        alert('HostHighCpu', host),
      ]),
    });
    assert.equal(posted.status, 200);
    const expected = {
      'ServiceDown beryl3/web': 'active',
      'AppHighErrorRate beryl3/web': 'suppressed',
      'ContainerHighMemory beryl3/web': 'suppressed',
      'AppHighErrorRate project2/web': 'active',
      'BackupTooOld beryl3/web': 'active',
      'ServiceMissing project2/api': 'active',
      'AppSlowResponses project2/api': 'suppressed',
      'ServiceDown shared/node-exporter': 'active',
      'HostHighCpu shared/host': 'suppressed',
    };
    // The inhibitor learns of source alerts asynchronously: wait for it to settle.
    let state: Record<string, string> = {};
    for (let i = 0; i < 50; i++) {
      const alerts = (await (await fetch(`${api}/alerts`)).json()) as Alert[];
      state = Object.fromEntries(
        alerts.map((a) => [`${a.labels.alertname} ${a.labels.project}/${a.labels.service}`, a.status.state]),
      );
      if (isDeepStrictEqual(state, expected)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(state, expected);
  });
});
