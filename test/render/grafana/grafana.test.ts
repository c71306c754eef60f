import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parser } from '@prometheus-io/lezer-promql';
import { parse } from 'yaml';
import { renderGrafana } from '../../../src/render/grafana/index.ts';
import { renderSecretFiles } from '../../../src/render/index.ts';
import { assertGolden, EXAMPLE_NAMES, exampleContext } from '../../support/render.ts';

function parsesAsPromql(expr: string): boolean {
  // Grafana's template variables are not PromQL; put a value where they stand.
  let ok = true;
  parser.parse(expr.replace(/\$service/g, 'web')).iterate({
    enter: (n) => {
      if (n.type.isError) ok = false;
    },
  });
  return ok;
}

describe('Grafana provisioning and dashboards (no Grafana binary here: checked against the fields Grafana requires)', () => {
  for (const name of EXAMPLE_NAMES) {
    it(`${name}: every dashboard is complete and every query parses`, () => {
      const ctx = exampleContext(name);
      const files = renderGrafana(ctx);
      if (ctx.spec.shared.monitoring.grafana === false) {
        assert.deepEqual(files, []);
        return;
      }
      const ds = parse(files.find((f) => f.path.endsWith('datasources.yml'))!.content);
      const uids = new Set(ds.datasources.map((d: { uid: string }) => d.uid));
      const dashboards = files
        .filter((f) => f.path.endsWith('.json'))
        .map((f) => ({ path: f.path, json: JSON.parse(f.content) }));
      assert.equal(dashboards.length, ctx.spec.projects.length + 1);
      const dashboardUids = new Set<string>();
      for (const { path, json } of dashboards) {
        for (const field of ['uid', 'title', 'schemaVersion', 'panels'])
          assert.ok(json[field] !== undefined, `${path}: ${field}`);
        assert.ok(json.schemaVersion >= 39);
        assert.ok(!dashboardUids.has(json.uid), 'dashboard uids are unique');
        dashboardUids.add(json.uid);
        const ids = new Set<number>();
        for (const panel of json.panels) {
          for (const field of ['id', 'type', 'title', 'gridPos', 'datasource', 'targets'])
            assert.ok(panel[field] !== undefined, `${path} ${panel.title}: ${field}`);
          assert.ok(!ids.has(panel.id), 'panel ids are unique');
          ids.add(panel.id);
          assert.ok(
            uids.has(panel.datasource.uid),
            `${panel.title}: datasource ${panel.datasource.uid} is provisioned`,
          );
          for (const t of panel.targets)
            assert.ok(parsesAsPromql(t.expr), `${path} ${panel.title}: ${t.expr}`);
        }
      }
    });
  }

  it('a folder per project, a Loki datasource per tenant, and the panels the issue names', () => {
    const files = renderGrafana(exampleContext('beryl3'));
    const provider = parse(files.find((f) => f.path.endsWith('dashboards.yml'))!.content);
    assert.equal(provider.providers[0].options.foldersFromFilesStructure, true);
    const ds = parse(files.find((f) => f.path.endsWith('datasources.yml'))!.content);
    const loki = ds.datasources.filter((d: { type: string }) => d.type === 'loki');
    assert.deepEqual(
      loki.map((d: { secureJsonData: { httpHeaderValue1: string } }) => d.secureJsonData.httpHeaderValue1),
      ['shared', 'beryl3', 'project2'],
    );
    const app = JSON.parse(
      files.find((f) => f.path === 'shared/grafana/dashboards/beryl3/application.json')!.content,
    );
    assert.deepEqual(
      app.panels.map((p: { title: string }) => p.title),
      [
        'Request rate',
        'Errors (5xx share)',
        'Latency p95',
        'Replicas CPU',
        'Replicas memory',
        'Database connections',
        'Redis memory',
        'Logs',
      ],
    );
    assert.equal(app.panels.at(-1).datasource.uid, 'loki-beryl3');
    assert.ok(files.some((f) => f.path === 'shared/grafana/dashboards/shared/infrastructure.json'));
  });

  it('holds no secret value: the admin password is a file', () => {
    const ctx = exampleContext('beryl3');
    for (const f of renderGrafana(ctx)) assert.doesNotMatch(f.content, /SeCrEt/);
    const secrets = renderSecretFiles(ctx, (p, n) => `SeCrEt-${p}-${n}`);
    assert.ok(secrets.some((f) => f.path === 'shared/secrets/GRAFANA_ADMIN_PASSWORD'));
  });

  it('golden files, and the same output twice', () => {
    const a = renderGrafana(exampleContext('beryl3'));
    assert.deepEqual(a, renderGrafana(exampleContext('beryl3')));
    assertGolden(join(import.meta.dirname, 'golden', 'beryl3'), a);
  });
});
