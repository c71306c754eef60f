import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { planEnvironment } from '../../../src/plan/index.ts';
import { renderPrometheus } from '../../../src/render/prometheus/index.ts';
import { loadSpecText } from '../../../src/spec/index.ts';
import { EXAMPLE_NAMES, writeToTemp } from '../../support/render.ts';
import { promqlErrors, promtool, renderedExample } from './promtool.ts';

/** Short `for`s, odd thresholds: the rendered tests must hold for any spec, not just the examples'. */
const UNUSUAL = `version: 1
server: { domain: t.test, capacity: { cpus: 8, memory: 16GiB } }
shared:
  proxy: { tls: selfsigned }
  alerts:
    cpu: { above: 50%, for: 1m }
    memory: { above: 99.5%, for: 30s }
    disk: { above: 1%, for: 90s }
    errorRate: { above: 0.5%, for: 1m }
    latencyP95: { above: 300ms, for: 1m }
    down: { for: 30s }
    certExpiry: { within: 1d }
    backupAge: { above: 1h }
  registryMirror: { alertAbove: 3GiB }
projects:
  shop:
    services:
      web: { type: app, image: x:1, metrics: {} }
      db: { type: postgres, backup: {} }
      nightly: { type: cron, image: x:1, schedule: "0 4 * * *", command: run }
`;

function renderedSpec(text: string): string {
  const spec = loadSpecText('t.yaml', text, {}).spec!;
  return join(writeToTemp(renderPrometheus({ spec, plan: planEnvironment(spec) })), 'shared', 'prometheus');
}

interface RuleFile {
  groups: { name: string; rules: { alert: string; expr: string }[] }[];
}
interface TestFile {
  rule_files: string[];
  tests: {
    name: string;
    input_series: unknown[];
    alert_rule_test: { alertname: string; exp_alerts: unknown[] }[];
  }[];
}

describe('Prometheus artifacts, checked by the real promtool', () => {
  const cases: [string, () => string][] = [
    ...EXAMPLE_NAMES.map((name): [string, () => string] => [name, () => renderedExample(name)]),
    ['short for, odd thresholds', () => renderedSpec(UNUSUAL)],
  ];
  for (const [name, render] of cases) {
    it(`${name}: check config, check rules, and every alert fires past its threshold and stays quiet short of it`, () => {
      const base = render();
      // check config also reads every file that `rule_files: [rules/*.yml]` finds beside the config.
      const config = promtool(['check', 'config', join(base, 'prometheus.yml')]);
      assert.equal(config.code, 0, config.out);
      const ruleFiles = readdirSync(join(base, 'rules')).sort();
      assert.ok(ruleFiles.length >= 4, `${name} has rule files: ${ruleFiles}`);
      assert.match(config.out, new RegExp(`Checking ${base}/rules/${ruleFiles[0]}`));

      // One promtool for all the files (it names and judges each): a process per file doubled the time.
      const checked = promtool(['check', 'rules', ...ruleFiles.map((f) => join(base, 'rules', f))]);
      assert.equal(checked.code, 0, checked.out);
      const alerts: string[] = [];
      for (const f of ruleFiles) {
        assert.match(checked.out, new RegExp(`Checking ${base}/rules/${f}\\n {2}SUCCESS`), f);
        const rules = (parse(readFileSync(join(base, 'rules', f), 'utf8')) as RuleFile).groups.flatMap(
          (g) => g.rules,
        );
        for (const rule of rules) {
          assert.equal(promqlErrors(rule.expr), 0, `${rule.alert}: ${rule.expr}`);
          alerts.push(rule.alert);
        }
      }
      assert.equal(new Set(alerts).size, alerts.length, 'one rule per alert name');

      // Run from elsewhere: a test file finds its rule file relative to itself.
      const testFiles = readdirSync(join(base, 'tests')).sort();
      assert.deepEqual(
        testFiles,
        ruleFiles.map((f) => f.replace(/\.yml$/, '.test.yml')),
      );
      const tested = promtool(['test', 'rules', ...testFiles.map((f) => join(base, 'tests', f))]);
      assert.equal(tested.code, 0, tested.out);
      for (const f of testFiles)
        assert.match(tested.out, new RegExp(`Unit Testing: {2}${base}/tests/${f}\\n {2}SUCCESS`), f);

      // The proof cannot be empty: for every alert, a case where it fires and one where it stays quiet.
      const cases = testFiles.flatMap(
        (f) => (parse(readFileSync(join(base, 'tests', f), 'utf8')) as TestFile).tests,
      );
      for (const alert of alerts) {
        const checks = cases.flatMap((c) =>
          c.alert_rule_test.filter((t) => t.alertname === alert).map((t) => ({ c, t })),
        );
        const fires = checks.filter(({ t }) => t.exp_alerts.length > 0);
        assert.ok(fires.length >= 1, `${name}: ${alert} has a case where it fires`);
        assert.ok(
          fires.every(({ c }) => c.name.startsWith(`${alert} fires`)),
          `${alert}: firing cases are named so`,
        );
        const quiet = cases.filter(
          (c) =>
            c.name.startsWith(`${alert} stays quiet`) &&
            c.input_series.length > 0 &&
            c.alert_rule_test.every((t) => t.alertname === alert && t.exp_alerts.length === 0),
        );
        assert.ok(quiet.length >= 1, `${name}: ${alert} has a case with data where it stays quiet`);
      }
    });
  }
});
