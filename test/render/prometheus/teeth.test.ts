import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { promtool, renderedExample } from './promtool.ts';

interface Rule {
  alert: string;
  expr: string;
  for?: string;
}

/** Moves a comparison's threshold: `… > 80` becomes `… > 82`. */
function shift(expr: string, by: (t: number) => number): string {
  const m = /([<>]) (-?\d+(?:\.\d+)?)$/.exec(expr);
  assert.ok(m, `no threshold at the end of ${expr}`);
  return `${expr.slice(0, m.index)}${m[1]} ${by(Number(m[2]))}`;
}

/**
 * Changes that the rendered unit tests must catch, per alert: thresholds moved past the margins the
 * tests use (a point for percentages, a minute for timestamps, 10% for latency), and conditions broken.
 */
const BREAKAGES: Record<string, ((expr: string) => string)[]> = {
  HostHighCpu: [(e) => shift(e, (t) => t + 2), (e) => shift(e, (t) => t - 2)],
  HostHighMemory: [(e) => shift(e, (t) => t + 2), (e) => shift(e, (t) => t - 2)],
  HostDiskFull: [
    (e) => shift(e, (t) => t + 2),
    (e) => shift(e, (t) => t - 2),
    (e) => e.replaceAll('tmpfs|', ''),
  ],
  ContainerHighCpu: [(e) => shift(e, (t) => t + 2), (e) => shift(e, (t) => t - 2)],
  ContainerHighMemory: [
    (e) => shift(e, (t) => t + 2),
    (e) => shift(e, (t) => t - 2),
    (e) => e.replace(' > 0)', ')'),
  ],
  AppHighErrorRate: [
    (e) => shift(e, (t) => t + 2),
    (e) => shift(e, (t) => t - 2),
    (e) => e.replace('5..', '[45]..'),
  ],
  AppSlowResponses: [(e) => shift(e, (t) => t * 1.2), (e) => shift(e, (t) => t * 0.9)],
  ServiceDown: [(e) => e.replace('== 0', '== 1')],
  ServiceMissing: [(e) => e.replace(/absent\(up\{job="[^"]+"/, 'absent(up{job="nobody"')],
  CronJobFailed: [(e) => e.replace('== 0', '== 1')],
  BackupTooOld: [(e) => shift(e, (t) => t + 120), (e) => shift(e, (t) => t - 120)],
  BackupFailed: [(e) => e.replace('== 0', '== 1')],
  CertificateExpiresSoon: [(e) => shift(e, (t) => t + 120), (e) => shift(e, (t) => t - 120)],
  EnvironmentDrift: [(e) => shift(e, (t) => t + 1), (e) => shift(e, (t) => t - 1)],
  DeployRolledBack: [(e) => shift(e, (t) => t + 120), (e) => shift(e, (t) => t - 120)],
  RegistryMirrorLarge: [
    (e) => shift(e, (t) => t + 2 * 1024 * 1024),
    (e) => shift(e, (t) => t - 2 * 1024 * 1024),
    (e) => e.replace('service="registry"', 'service="proxy"'),
  ],
};

describe('the checks have teeth', () => {
  it('bad PromQL in a rule fails promtool check rules and check config', () => {
    const base = renderedExample('beryl3');
    const path = join(base, 'rules', 'apps.yml');
    const good = readFileSync(path, 'utf8');
    const bad = good.replace('sum by (project, service) (rate(', 'sum by (project, service) (rate((');
    assert.notEqual(bad, good);
    writeFileSync(path, bad);
    assert.notEqual(promtool(['check', 'rules', path]).code, 0);
    assert.notEqual(promtool(['check', 'config', join(base, 'prometheus.yml')]).code, 0);
    writeFileSync(path, good);
    assert.equal(promtool(['check', 'rules', path]).code, 0);
  });

  for (const example of ['beryl3']) {
    it(`${example}: each rule's threshold, condition and 'for' are pinned by its unit tests`, () => {
      const base = renderedExample(example);
      const seen = new Set<string>();
      for (const f of readdirSync(join(base, 'rules'))) {
        const path = join(base, 'rules', f);
        const good = readFileSync(path, 'utf8');
        const testName = f.replace(/\.yml$/, '.test.yml');
        const test = join(base, 'tests', testName);
        const doc = parse(good) as { groups: { rules: Rule[] }[] };
        const rules = doc.groups[0]!.rules;
        // Each broken copy in a folder of its own, beside a copy of the tests; one promtool runs them all.
        const broken: { why: string; test: string }[] = [];
        const breaking = (why: string, alert: string, change: (r: Rule) => void) => {
          const copy = structuredClone(doc);
          change(copy.groups[0]!.rules.find((r) => r.alert === alert)!);
          const dir = mkdtempSync(join(tmpdir(), 'stagecraft-teeth-'));
          mkdirSync(join(dir, 'rules'));
          mkdirSync(join(dir, 'tests'));
          writeFileSync(join(dir, 'rules', f), stringify(copy));
          cpSync(test, join(dir, 'tests', testName));
          broken.push({ why, test: join(dir, 'tests', testName) });
        };
        for (const rule of rules) {
          seen.add(rule.alert);
          const breakages = BREAKAGES[rule.alert];
          assert.ok(breakages, `no breakages listed for ${rule.alert}`);
          for (const b of breakages) {
            const expr = b(rule.expr);
            assert.notEqual(expr, rule.expr, `${rule.alert}: the breakage changes nothing`);
            breaking(`${rule.alert} with ${expr}`, rule.alert, (x) => {
              x.expr = expr;
            });
          }
          if (rule.for) {
            for (const wrong of [
              '0s',
              `${Number.parseInt(rule.for, 10) + 10}${rule.for.replace(/^\d+/, '')}`,
            ]) {
              breaking(`${rule.alert} with for: ${wrong} (not ${rule.for})`, rule.alert, (x) => {
                x.for = wrong;
              });
            }
          }
        }
        const r = promtool(['test', 'rules', test, ...broken.map((b) => b.test)]);
        // promtool prints each file's name and SUCCESS on stdout, a failure's FAILED on stderr.
        const passed = new Set(
          r.stdout
            .split('Unit Testing:  ')
            .slice(1)
            .filter((section) => section.split('\n')[1]!.trim() === 'SUCCESS')
            .map((section) => section.split('\n')[0]!.trim()),
        );
        assert.ok(passed.has(test), `the untouched rules pass: ${r.out}`);
        for (const b of broken) assert.ok(!passed.has(b.test), `${b.why} still passes its tests`);
        assert.equal(r.stderr.match(/^ {2}FAILED:$/gm)?.length, broken.length, 'each broken copy failed');
        for (const b of broken) rmSync(dirname(dirname(b.test)), { recursive: true });
      }
      assert.ok(seen.size >= 10, `most alerts were exercised: ${[...seen]}`);
    });
  }
});
