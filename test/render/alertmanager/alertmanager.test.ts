import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { planEnvironment } from '../../../src/plan/index.ts';
import { renderAlertmanager } from '../../../src/render/alertmanager/index.ts';
import { loadSpecText } from '../../../src/spec/index.ts';
import { assertGolden, EXAMPLE_NAMES, exampleContext, writeToTemp } from '../../support/render.ts';

function amtool(file: string) {
  const r = spawnSync('amtool', ['check-config', file], { encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('Alertmanager config (checked by the real amtool)', () => {
  for (const name of EXAMPLE_NAMES) {
    it(`${name}: amtool check-config passes`, () => {
      const dir = writeToTemp(renderAlertmanager(exampleContext(name)));
      const r = amtool(join(dir, 'shared/alertmanager/alertmanager.yml'));
      assert.equal(r.code, 0, r.out);
    });
  }

  it('every receiver kind, secrets as files only, routes by project and severity, inhibition', () => {
    const text = `version: 1
server: { domain: t.test, capacity: { cpus: 8, memory: 16GiB } }
shared:
  monitoring:
    alertmanager:
      smtp: { smarthost: "mail.t.test:587", from: alerts@t.test, username: alerts, password: { secret: SMTP_PASSWORD } }
      receivers:
        - { name: mail, email: ops@t.test }
        - { name: chat, slack: { secret: SLACK_WEBHOOK, channel: "#ops" } }
        - { name: hook, webhook: { secret: HOOK_URL } }
projects:
  shop: { alerts: { receiver: chat }, services: { web: { type: app, image: x:1 } } }
`;
    const spec = loadSpecText('t.yaml', text, {}).spec!;
    const artifacts = renderAlertmanager({ spec, plan: planEnvironment(spec) });
    // Debian's amtool is 0.25, which predates the webhook's url_file (0.26): check the rest with it.
    const withoutHook = artifacts.map((a) => ({
      ...a,
      content: a.content.replace(/ {2}webhook_configs:\n( {2}[ -].*\n)+/, ''),
    }));
    assert.doesNotMatch(withoutHook[0]!.content, /^\s+- url_file/m);
    const r = amtool(join(writeToTemp(withoutHook), 'shared/alertmanager/alertmanager.yml'));
    assert.equal(r.code, 0, r.out);
    const config = parse(artifacts[0]!.content);
    assert.equal(config.global.smtp_auth_password_file, '/run/secrets/SMTP_PASSWORD');
    assert.equal(config.receivers[1].slack_configs[0].api_url_file, '/run/secrets/SLACK_WEBHOOK');
    assert.equal(config.receivers[2].webhook_configs[0].url_file, '/run/secrets/HOOK_URL');
    assert.doesNotMatch(artifacts[0]!.content, /hooks\.slack\.com|api_url:|password:/);
    assert.deepEqual(config.route.routes[0], {
      receiver: 'chat',
      matchers: ['project="shop"'],
      continue: false,
    });
    assert.deepEqual(config.route.group_by, ['alertname', 'project', 'service']);
    assert.deepEqual(config.inhibit_rules[0].equal, ['project', 'service']);
  });

  it('the check has teeth: a route to an unknown receiver is refused', () => {
    const artifacts = renderAlertmanager(exampleContext('beryl3')).map((a) => ({
      ...a,
      content: a.content.replace('receiver: staging-slack', 'receiver: nobody'),
    }));
    assert.notEqual(amtool(join(writeToTemp(artifacts), 'shared/alertmanager/alertmanager.yml')).code, 0);
  });

  it('is deterministic and matches the golden files', () => {
    for (const name of ['demo', 'beryl3']) {
      const a = renderAlertmanager(exampleContext(name));
      assert.deepEqual(a, renderAlertmanager(exampleContext(name)));
      assertGolden(join(import.meta.dirname, 'golden', name), a);
    }
  });
});
