import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parser } from '@prometheus-io/lezer-promql';
import { parse } from 'yaml';
import { grafanaEnvironment, renderGrafana, stableUid } from '../../../src/render/grafana/index.ts';
import { renderSecretFiles } from '../../../src/render/index.ts';
import { EXAMPLE_NAMES, exampleContext } from '../../support/render.ts';

/** Grafana's variables are not PromQL: put a value of the right shape where each stands. */
const GRAFANA_VARIABLES: [RegExp, string][] = [
  [/\$__rate_interval|\$__interval/g, '5m'],
  [/\$service/g, 'web|worker'],
];

/** The syntax errors lezer-promql finds in an expression (an error node is one). */
function promqlErrors(expr: string): string[] {
  const text = GRAFANA_VARIABLES.reduce((s, [re, v]) => s.replace(re, v), expr);
  const errors: string[] = [];
  parser.parse(text).iterate({
    enter: (n) => {
      if (n.type.isError) errors.push(`at ${n.from}: ${JSON.stringify(text.slice(n.from, n.to + 10))}`);
    },
  });
  return errors;
}

interface Target {
  refId: string;
  expr: string;
  datasource: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource: { type: string; uid: string };
  targets: Target[];
}

function dashboards(files: ReturnType<typeof renderGrafana>) {
  return files
    .filter((f) => f.path.endsWith('.json') && f.path.includes('/dashboards/'))
    .map((f) => ({
      path: f.path,
      json: JSON.parse(f.content) as Record<string, unknown> & { panels: Panel[] },
    }));
}

function datasources(files: ReturnType<typeof renderGrafana>) {
  const f = files.find((x) => x.path === 'shared/grafana/provisioning/datasources/datasources.yml');
  assert.ok(f, 'datasources.yml');
  return parse(f.content, { version: '1.1' }) as {
    apiVersion: number;
    datasources: {
      name: string;
      uid: string;
      type: string;
      url: string;
      isDefault?: boolean;
      jsonData?: Record<string, unknown>;
      secureJsonData?: Record<string, string>;
    }[];
  };
}

describe('grafana provisioning and dashboards (no grafana binary here: the fields grafana requires, queries parsed by lezer-promql, golden files)', () => {
  for (const name of EXAMPLE_NAMES) {
    it(`${name}: every dashboard is complete, every panel's datasource is provisioned, every PromQL expression parses`, () => {
      const ctx = exampleContext(name);
      const files = renderGrafana(ctx);
      if (ctx.spec.shared.monitoring.grafana === false) {
        assert.deepEqual(files, [], 'monitoring.grafana: false renders nothing');
        return;
      }
      const ds = datasources(files);
      assert.equal(ds.apiVersion, 1);
      const byUid = new Map(ds.datasources.map((d) => [d.uid, d]));
      assert.equal(byUid.size, ds.datasources.length, 'datasource uids are unique');
      assert.equal(
        new Set(ds.datasources.map((d) => d.name)).size,
        ds.datasources.length,
        'names are unique',
      );
      assert.equal(ds.datasources.filter((d) => d.isDefault).length, 1, 'one default datasource');
      for (const d of ds.datasources) assert.ok(d.uid.length <= 40 && /^[a-zA-Z0-9_-]+$/.test(d.uid), d.uid);

      const all = dashboards(files);
      assert.deepEqual(
        all.map((d) => d.path).sort(),
        [
          'shared/grafana/dashboards/shared/infrastructure.json',
          ...ctx.spec.projects.map((p) => `shared/grafana/dashboards/${p.name}/application.json`),
        ].sort(),
      );
      const dashboardUids = new Set<string>();
      let promql = 0;
      for (const { path, json } of all) {
        for (const field of ['uid', 'title', 'schemaVersion', 'panels', 'templating', 'time'])
          assert.ok(json[field] !== undefined, `${path}: ${field}`);
        assert.ok((json.schemaVersion as number) >= 39, `${path}: schemaVersion`);
        assert.match(json.uid as string, /^[a-zA-Z0-9_-]{1,40}$/, `${path}: uid`);
        assert.ok(!dashboardUids.has(json.uid as string), `${path}: dashboard uids are unique`);
        dashboardUids.add(json.uid as string);
        assert.ok(json.panels.length > 0, `${path}: has panels`);
        const ids = new Set<number>();
        for (const panel of json.panels) {
          const where = `${path} "${panel.title}"`;
          for (const field of ['id', 'type', 'title', 'gridPos', 'datasource', 'targets'] as const)
            assert.ok(panel[field] !== undefined, `${where}: ${field}`);
          assert.ok(Number.isInteger(panel.id) && !ids.has(panel.id), `${where}: unique id`);
          ids.add(panel.id);
          const { x, y, w, h } = panel.gridPos;
          assert.ok(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= 24, `${where}: gridPos`);
          const source = byUid.get(panel.datasource.uid);
          assert.ok(source, `${where}: datasource ${panel.datasource.uid} is provisioned`);
          assert.equal(source.type, panel.datasource.type, `${where}: datasource type`);
          assert.ok(panel.targets.length > 0, `${where}: has targets`);
          assert.equal(
            new Set(panel.targets.map((t) => t.refId)).size,
            panel.targets.length,
            `${where}: refIds`,
          );
          for (const t of panel.targets) {
            assert.deepEqual(t.datasource, panel.datasource, `${where}: target datasource`);
            assert.ok(t.expr, `${where}: expr`);
            // A LogQL query that is a bare stream selector is PromQL too: parse those as well.
            if (source.type === 'prometheus' || /^\{[^}]*\}$/.test(t.expr)) {
              assert.deepEqual(promqlErrors(t.expr), [], `${where}: ${t.expr}`);
              promql++;
            }
          }
        }
      }
      assert.ok(promql > 10, 'queries were checked');
    });
  }

  it('datasources: Prometheus, one Loki per tenant with its X-Scope-OrgID, Alertmanager when enabled', () => {
    const ctx = exampleContext('beryl3');
    const ds = datasources(renderGrafana(ctx)).datasources;
    const prometheus = ds.find((d) => d.type === 'prometheus');
    assert.equal(prometheus?.url, 'http://172.19.0.4:9090');
    assert.equal(prometheus?.isDefault, true);
    const loki = ds.filter((d) => d.type === 'loki');
    assert.deepEqual(
      loki.map((d) => [d.uid, d.url, d.jsonData?.httpHeaderName1, d.secureJsonData?.httpHeaderValue1]),
      [
        ['loki-shared', 'http://shared-loki:3100', 'X-Scope-OrgID', 'shared'],
        ['loki-beryl3', 'http://shared-loki:3100', 'X-Scope-OrgID', 'beryl3'],
        ['loki-project2', 'http://shared-loki:3100', 'X-Scope-OrgID', 'project2'],
      ],
    );
    assert.equal(ds.find((d) => d.type === 'alertmanager')?.url, 'http://shared-alertmanager:9093');
  });

  it('a dashboard provider with a folder per project (folders from the file structure)', () => {
    const files = renderGrafana(exampleContext('beryl3'));
    const provider = parse(
      files.find((f) => f.path.endsWith('provisioning/dashboards/dashboards.yml'))!.content,
    );
    assert.equal(provider.apiVersion, 1);
    assert.equal(provider.providers.length, 1);
    assert.equal(provider.providers[0].type, 'file');
    assert.equal(provider.providers[0].options.foldersFromFilesStructure, true);
    assert.equal(provider.providers[0].options.path, '/var/lib/grafana/dashboards');
    assert.equal(provider.providers[0].folder, undefined, 'a fixed folder would override the file structure');
  });

  it('the application dashboard: traffic, errors, latency, replicas, database, Redis, logs; filtered by $service', () => {
    const files = renderGrafana(exampleContext('beryl3'));
    const app = dashboards(files).find((d) => d.path.endsWith('/beryl3/application.json'))!.json;
    const panels = app.panels;
    assert.deepEqual(
      panels.map((p) => p.title),
      [
        'Request rate',
        'Error rate (5xx share)',
        'Latency p95',
        'Firing alerts',
        'Replicas CPU (cores)',
        'Replicas memory',
        'Database connections',
        'Redis memory',
        'Logs',
      ],
    );
    const expr = (title: string) =>
      panels
        .find((p) => p.title === title)!
        .targets.map((t) => t.expr)
        .join('\n');
    assert.match(expr('Request rate'), /http_requests_total\{project="beryl3",service=~"\$service"\}/);
    assert.match(expr('Error rate (5xx share)'), /status=~"5\.\."/);
    assert.match(expr('Latency p95'), /histogram_quantile\(0\.95, .*http_request_duration_seconds_bucket/);
    assert.match(
      expr('Replicas CPU (cores)'),
      /container_cpu_usage_seconds_total\{container_label_io_stagecraft_project="beryl3"/,
    );
    assert.match(
      expr('Replicas memory'),
      /container_memory_working_set_bytes\{container_label_io_stagecraft_project="beryl3"/,
    );
    assert.match(expr('Database connections'), /pg_stat_activity_count\{project="beryl3"\}/);
    assert.match(expr('Redis memory'), /redis_memory_used_bytes\{project="beryl3"\}/);
    const logs = panels.find((p) => p.title === 'Logs')!;
    assert.equal(logs.type, 'logs');
    assert.equal(logs.datasource.uid, 'loki-beryl3', "the project's own tenant");
    assert.match(logs.targets[0]!.expr, /^\{project="beryl3",/);
    const variables = (app.templating as { list: { name: string; options: { value: string }[] }[] }).list;
    assert.deepEqual(
      variables.map((v) => v.name),
      ['service'],
    );
    assert.deepEqual(
      variables[0]!.options.map((o) => o.value),
      ['$__all', 'cache', 'db', 'email', 'queue', 'stops', 'web', 'worker'],
    );
    // Alert lines sit where the spec's alerts fire (errorRate 5%, latencyP95 2s).
    const threshold = (title: string) =>
      (
        panels.find((p) => p.title === title) as unknown as {
          fieldConfig: { defaults: { thresholds: { steps: { value: number }[] } } };
        }
      ).fieldConfig.defaults.thresholds.steps[1]!.value;
    assert.equal(threshold('Error rate (5xx share)'), 5);
    assert.equal(threshold('Latency p95'), 2);
  });

  it('a project without a database or cache has no such panels', () => {
    const ctx = exampleContext('beryl3');
    const bare = ctx.spec.projects.map((p) => ({
      ...p,
      services: p.services.filter((s) => s.type === 'app'),
    }));
    const files = renderGrafana({ ...ctx, spec: { ...ctx.spec, projects: bare } });
    for (const { json } of dashboards(files).filter((d) => d.path.endsWith('application.json'))) {
      const titles = json.panels.map((p) => p.title);
      assert.ok(!titles.includes('Database connections') && !titles.includes('Redis memory'), titles.join());
    }
  });

  it('the shared infrastructure dashboard: host, containers, proxy, alerts', () => {
    const files = renderGrafana(exampleContext('beryl3'));
    const infra = dashboards(files).find((d) => d.path.endsWith('/shared/infrastructure.json'))!.json;
    const exprs = infra.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n');
    for (const metric of [
      'node_cpu_seconds_total',
      'node_memory_MemAvailable_bytes',
      'node_filesystem_avail_bytes',
      'container_cpu_usage_seconds_total',
      'container_memory_working_set_bytes',
      'nginx_connections_active',
      'nginx_http_requests_total',
      'ALERTS{alertstate="firing"}',
    ])
      assert.ok(exprs.includes(metric), metric);
    const alerts = infra.panels.find((p) => p.title === 'Firing alerts')!;
    assert.equal(alerts.type, 'table');
    assert.equal((alerts.targets[0] as unknown as { instant: boolean }).instant, true);
  });

  it('uids are derived from names: stable across renders, distinct across projects, at most 40 chars', () => {
    assert.equal(stableUid('beryl3 application'), stableUid('beryl3 application'));
    assert.notEqual(stableUid('a-b application'), stableUid('a b application'));
    assert.ok(stableUid(`${'x'.repeat(63)} application`).length <= 40);
    const uids = (name: string) => dashboards(renderGrafana(exampleContext(name))).map((d) => d.json.uid);
    assert.deepEqual(uids('beryl3'), uids('beryl3'));
  });

  it('folder permissions from project.access: written for the HTTP API, since file provisioning cannot hold them', () => {
    const files = renderGrafana(exampleContext('beryl3'));
    const doc = JSON.parse(files.find((f) => f.path === 'shared/grafana/folder-permissions.json')!.content);
    assert.deepEqual(
      doc.folders.map((f: { folder: string; permissions: unknown }) => ({
        folder: f.folder,
        permissions: f.permissions,
      })),
      [
        {
          folder: 'beryl3',
          permissions: [
            { team: 'beryl3_team', role: 'editor', permission: 2, level: 'Edit' },
            { team: 'developers', role: 'viewer', permission: 1, level: 'View' },
            { team: 'monitoring_team', role: 'admin', permission: 4, level: 'Admin' },
          ],
        },
      ],
    );
    assert.ok(!renderGrafana(exampleContext('gw2')).some((f) => f.path.endsWith('folder-permissions.json')));
  });

  it('each team the permissions name, with its members from teams:', () => {
    const files = renderGrafana(exampleContext('beryl3'));
    const doc = JSON.parse(files.find((f) => f.path === 'shared/grafana/folder-permissions.json')!.content);
    assert.deepEqual(doc.teams, [
      { name: 'beryl3_team', members: ['alice', 'bob'] },
      { name: 'developers', members: ['dave'] },
      { name: 'monitoring_team', members: ['carol'] },
    ]);
    const named = new Set(
      doc.folders.flatMap((f: { permissions: { team: string }[] }) => f.permissions.map((p) => p.team)),
    );
    assert.deepEqual(
      [...named].sort(),
      doc.teams.map((t: { name: string }) => t.name),
    );
  });

  it('a folder’s datasources hold only its project: its Loki tenant, and Prometheus under its label, which its dashboard uses throughout', () => {
    const files = renderGrafana(exampleContext('beryl3'));
    const doc = JSON.parse(files.find((f) => f.path === 'shared/grafana/folder-permissions.json')!.content);
    const provisioned = datasources(files).datasources;
    for (const folder of doc.folders as {
      folder: string;
      datasources: { loki: { uid: string; tenant: string }; prometheus: { uid: string; matcher: string } };
    }[]) {
      const loki = provisioned.find((d) => d.uid === folder.datasources.loki.uid);
      assert.ok(loki, `${folder.folder}: its Loki datasource is provisioned`);
      assert.equal(loki.jsonData?.httpHeaderName1, 'X-Scope-OrgID');
      assert.equal(loki.secureJsonData?.httpHeaderValue1, folder.folder, 'the tenant is the project');
      assert.equal(folder.datasources.prometheus.matcher, `project="${folder.folder}"`);
      assert.ok(
        provisioned.some((d) => d.uid === folder.datasources.prometheus.uid && d.type === 'prometheus'),
      );
      const board = dashboards(files).find((d) =>
        d.path.endsWith(`/dashboards/${folder.folder}/application.json`),
      )!;
      const queries = board.json.panels.flatMap((p) => p.targets.map((t) => ({ ds: p.datasource, t })));
      assert.ok(queries.length > 0);
      for (const { ds, t } of queries) {
        const expr = (t as { expr?: string }).expr ?? '';
        if (ds.type === 'prometheus') assert.ok(expr.includes(folder.datasources.prometheus.matcher), expr);
        if (ds.type === 'loki')
          assert.equal(ds.uid, folder.datasources.loki.uid, 'logs from its own tenant only');
      }
    }
  });

  it('holds no secret value: the admin password is read from a secret file', () => {
    for (const name of EXAMPLE_NAMES) {
      const ctx = exampleContext(name);
      const values = renderSecretFiles(ctx, (p, n) => `SeCrEt-${p}-${n}-value`).map((f) => f.content.trim());
      for (const f of renderGrafana(ctx)) {
        assert.doesNotMatch(f.content, /SeCrEt-/, f.path);
        for (const v of values) assert.ok(!f.content.includes(v), `${f.path} holds a secret value`);
        assert.doesNotMatch(f.content, /password|secret_key|api_key/i, `${f.path} names no credential`);
      }
    }
    const env = grafanaEnvironment(exampleContext('beryl3').spec);
    assert.equal(env.GF_SECURITY_ADMIN_PASSWORD__FILE, '/run/secrets/GRAFANA_ADMIN_PASSWORD');
    assert.equal(env.GF_SECURITY_ADMIN_PASSWORD, undefined, 'never the password itself');
    const secrets = renderSecretFiles(exampleContext('beryl3'), (p, n) => `SeCrEt-${p}-${n}`);
    assert.ok(secrets.some((f) => f.path === 'shared/secrets/GRAFANA_ADMIN_PASSWORD'));
  });
});
