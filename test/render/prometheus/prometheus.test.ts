import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parser } from '@prometheus-io/lezer-promql';
import { parse } from 'yaml';
import { alertRules, renderPrometheus } from '../../../src/render/prometheus/index.ts';
import { assertGolden, EXAMPLE_NAMES, exampleContext, writeToTemp } from '../../support/render.ts';

function promtool(args: string[], cwd?: string) {
  const r = spawnSync('promtool', args, { encoding: 'utf8', cwd });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

function promqlErrors(expr: string): number {
  let errors = 0;
  parser.parse(expr).iterate({
    enter: (n) => {
      if (n.type.isError) errors++;
    },
  });
  return errors;
}

describe('Prometheus config and rules (checked by the real promtool)', () => {
  for (const name of EXAMPLE_NAMES) {
    it(`${name}: check config, check rules, and every alert fires above and stays quiet below its threshold`, () => {
      const artifacts = renderPrometheus(exampleContext(name));
      const dir = writeToTemp(artifacts);
      const base = join(dir, 'shared', 'prometheus');
      const config = promtool(['check', 'config', join(base, 'prometheus.yml')]);
      assert.equal(config.code, 0, config.out);
      const tests = artifacts.filter((a) => a.path.includes('/tests/'));
      assert.ok(tests.length >= 3);
      for (const t of tests) {
        const r = promtool(['test', 'rules', t.path.split('/').at(-1)!], join(base, 'tests'));
        assert.equal(r.code, 0, r.out);
      }
      // The proof cannot be empty: each alert has a firing and a quiet case.
      const testText = tests.map((t) => t.content).join('\n');
      for (const rule of alertRules(exampleContext(name).spec)) {
        assert.ok(testText.includes(`${rule.alert} fires above its threshold`), rule.alert);
        assert.ok(testText.includes(`${rule.alert} stays quiet below its threshold`), rule.alert);
        assert.equal(promqlErrors(rule.expr), 0, rule.expr);
      }
    });
  }

  it('the checks have teeth: bad PromQL fails check rules, a wrong threshold fails the unit tests', () => {
    const dir = writeToTemp(renderPrometheus(exampleContext('beryl3')));
    const rules = join(dir, 'shared/prometheus/rules/apps.yml');
    const good = readFileSync(rules, 'utf8');
    writeFileSync(
      rules,
      good.replace('sum by (project, service) (rate(', 'sum by (project, service) (rate(('),
    );
    assert.notEqual(promtool(['check', 'rules', rules]).code, 0);
    writeFileSync(rules, good.replace(/> 5"?$/m, '> 0'));
    assert.notEqual(good, good.replace(/> 5"?$/m, '> 0'));
    assert.notEqual(
      promtool(['test', 'rules', 'apps.test.yml'], join(dir, 'shared/prometheus/tests')).code,
      0,
    );
  });

  it('scrapes every app with project and service labels, and follows the spec', () => {
    const ctx = exampleContext('beryl3');
    const config = parse(renderPrometheus(ctx).find((a) => a.path.endsWith('prometheus.yml'))!.content);
    const web = config.scrape_configs.find((j: { job_name: string }) => j.job_name === 'beryl3-web');
    assert.deepEqual(web.dns_sd_configs, [
      { names: ['beryl3-web'], type: 'A', port: 8000, refresh_interval: '15s' },
    ]);
    assert.deepEqual(web.relabel_configs, [
      { target_label: 'environment', replacement: 'staging' },
      { target_label: 'project', replacement: 'beryl3' },
      { target_label: 'service', replacement: 'web' },
    ]);
    const exporter = config.scrape_configs.find(
      (j: { job_name: string }) => j.job_name === 'beryl3-db-exporter',
    );
    assert.deepEqual(exporter.static_configs[0].targets, ['beryl3-db-exporter:9187']);
    assert.equal(config.global.scrape_interval, '15s');
    const gw2 = exampleContext('gw2');
    const front = parse(
      renderPrometheus(gw2).find((a) => a.path.endsWith('prometheus.yml'))!.content,
    ).scrape_configs;
    assert.ok(
      !front.some((j: { job_name: string }) => j.job_name === 'gw2-frontend'),
      'metrics: false is not scraped',
    );
    const cpu = alertRules(gw2.spec).find((r) => r.alert === 'HostHighCpu')!;
    assert.match(cpu.expr, /> 80$/);
    assert.equal(cpu.for, '10m');
    const mem = alertRules(gw2.spec).find((r) => r.alert === 'HostHighMemory')!;
    assert.match(mem.expr, /> 90$/);
  });

  it('is deterministic and matches the golden files', () => {
    for (const name of ['demo', 'beryl3']) {
      const a = renderPrometheus(exampleContext(name));
      assert.deepEqual(a, renderPrometheus(exampleContext(name)));
      assertGolden(join(import.meta.dirname, 'golden', name), a);
    }
  });
});
