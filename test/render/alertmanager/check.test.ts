import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { alertmanagerArgs, renderAlertmanager } from '../../../src/render/alertmanager/index.ts';
import { EXAMPLE_NAMES, exampleContext } from '../../support/render.ts';
import { checkConfig, configPath, routesTo, specContext } from './amtool.ts';

const FULL = `version: 1
server: { domain: t.test, capacity: { cpus: 8, memory: 16GiB } }
shared:
  monitoring:
    alertmanager:
      smtp: { smarthost: "mail.t.test:587", from: alerts@t.test, username: alerts, password: { secret: FAKE_SMTP_PASSWORD } }
      receivers:
        - { name: mail, email: ops@t.test }
        - { name: chat, slack: { secret: FAKE_SLACK_WEBHOOK, channel: "#ops" } }
        - { name: hook, webhook: { secret: FAKE_HOOK_URL } }
      groupWait: 10s
      groupInterval: 2m
      repeatInterval: 8h
projects:
  shop: { alerts: { receiver: chat }, services: { web: { type: app, image: x:1 } } }
  blog: { alerts: { receiver: hook }, services: { web: { type: app, image: x:1 } } }
  wiki: { services: { web: { type: app, image: x:1 } } }
`;

/**
 * Debian's amtool is 0.25, which predates the webhook's `url_file` (0.26; the spec refuses webhooks
 * with the local image set). To check the rest with it, the copy under test names a placeholder URL.
 */
const forDebianAmtool = (text: string) =>
  text.replace(/url_file: \S+/g, 'url: "http://placeholder.invalid/"');

describe('Alertmanager config, checked by the real amtool', () => {
  for (const name of EXAMPLE_NAMES) {
    it(`${name}: amtool check-config passes`, () => {
      const artifacts = renderAlertmanager(exampleContext(name));
      assert.equal(artifacts.length, 1);
      const r = checkConfig(artifacts);
      assert.equal(r.code, 0, r.out);
    });
  }

  it('every receiver kind, with secrets only as files under /run/secrets', () => {
    const artifacts = renderAlertmanager(specContext(FULL));
    const text = artifacts[0]!.content;
    const r = checkConfig(artifacts.map((a) => ({ ...a, content: forDebianAmtool(a.content) })));
    assert.equal(r.code, 0, r.out);
    const config = parse(text);
    assert.deepEqual(config.global, {
      smtp_smarthost: 'mail.t.test:587',
      smtp_from: 'alerts@t.test',
      smtp_require_tls: true,
      smtp_auth_username: 'alerts',
      smtp_auth_password_file: '/run/secrets/FAKE_SMTP_PASSWORD',
      resolve_timeout: '5m',
    });
    const receiver = (n: string) => config.receivers.find((x: { name: string }) => x.name === n);
    assert.deepEqual(receiver('mail').email_configs, [{ to: 'ops@t.test', send_resolved: true }]);
    assert.equal(receiver('chat').slack_configs[0].api_url_file, '/run/secrets/FAKE_SLACK_WEBHOOK');
    assert.equal(receiver('chat').slack_configs[0].channel, '#ops');
    assert.deepEqual(receiver('hook').webhook_configs, [
      { url_file: '/run/secrets/FAKE_HOOK_URL', send_resolved: true },
    ]);
    // The spec has no place for a secret's value; what must never appear is its shape.
    assert.doesNotMatch(text, /hooks\.slack\.com|https?:\/\/|\bapi_url:|\burl:|auth_password:|password:/);
    for (const secret of ['FAKE_SMTP_PASSWORD', 'FAKE_SLACK_WEBHOOK', 'FAKE_HOOK_URL']) {
      const uses = text.split('\n').filter((l) => l.includes(secret));
      assert.deepEqual(
        uses.map((l) => l.trim().replace(/^- /, '')),
        [expect(secret)],
      );
    }
    function expect(secret: string) {
      const key = secret.includes('SMTP')
        ? 'smtp_auth_password_file'
        : secret.includes('SLACK')
          ? 'api_url_file'
          : 'url_file';
      return `${key}: /run/secrets/${secret}`;
    }
  });

  it('routes: root to the first receiver, a project to its own, critical alerts repeat sooner', () => {
    const artifacts = renderAlertmanager(specContext(FULL));
    const path = configPath(artifacts.map((a) => ({ ...a, content: forDebianAmtool(a.content) })));
    assert.deepEqual(routesTo(path, { alertname: 'AppHighErrorRate', project: 'shop', service: 'web' }), [
      'chat',
    ]);
    assert.deepEqual(routesTo(path, { alertname: 'ServiceDown', project: 'blog', severity: 'critical' }), [
      'hook',
    ]);
    assert.deepEqual(routesTo(path, { alertname: 'ServiceDown', project: 'wiki', severity: 'critical' }), [
      'mail',
    ]);
    assert.deepEqual(routesTo(path, { alertname: 'HostDiskFull', project: 'shared', service: 'host' }), [
      'mail',
    ]);
    const route = parse(artifacts[0]!.content).route;
    assert.equal(route.receiver, 'mail');
    assert.deepEqual(route.group_by, ['alertname', 'project', 'service']);
    assert.deepEqual([route.group_wait, route.group_interval, route.repeat_interval], ['10s', '2m', '8h']);
    assert.deepEqual(route.routes[0], {
      receiver: 'chat',
      matchers: ['project="shop"'],
      routes: [{ receiver: 'chat', matchers: ['severity="critical"'], repeat_interval: '2h' }],
    });
    assert.deepEqual(route.routes.at(-1), {
      receiver: 'mail',
      matchers: ['severity="critical"'],
      repeat_interval: '2h',
    });
  });

  it('with no receivers, a blackhole takes the root route (Alertmanager needs one)', () => {
    const artifacts = renderAlertmanager(
      specContext(`version: 1
server: { capacity: { cpus: 8, memory: 16GiB } }
projects: {}
`),
    );
    const r = checkConfig(artifacts);
    assert.equal(r.code, 0, r.out);
    const config = parse(artifacts[0]!.content);
    assert.equal(config.route.receiver, 'blackhole');
    assert.deepEqual(config.receivers, [{ name: 'blackhole' }]);
    assert.equal(config.route.routes, undefined);
    assert.equal(config.global.smtp_smarthost, 'localhost:25');
    assert.equal(config.global.smtp_from, 'alertmanager@localhost');
  });

  it('the check has teeth: a route to an unknown receiver is refused', () => {
    const artifacts = renderAlertmanager(exampleContext('beryl3'));
    assert.match(artifacts[0]!.content, /receiver: staging-slack/);
    const broken = artifacts.map((a) => ({
      ...a,
      content: a.content.replace('receiver: staging-slack', 'receiver: nobody'),
    }));
    assert.notEqual(checkConfig(broken).code, 0);
  });

  it('renders nothing when Alertmanager is off; its command line has the public URL', () => {
    assert.deepEqual(
      renderAlertmanager(
        specContext(`version: 1
server: { capacity: { cpus: 8, memory: 16GiB } }
shared: { monitoring: { alertmanager: false } }
projects: {}
`),
      ),
      [],
    );
    assert.ok(
      alertmanagerArgs(exampleContext('beryl3').spec).includes(
        '--web.external-url=https://alerts.staging.mdubiel.org/',
      ),
    );
    assert.ok(alertmanagerArgs(exampleContext('demo').spec).includes('--cluster.listen-address='));
  });
});
