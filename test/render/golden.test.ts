import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { renderServerLayout } from '../../src/render/index.ts';
import { assertGolden, filesUnder, GOLDEN } from '../support/golden.ts';
import { exampleContext } from '../support/render.ts';

/** The examples whose rendering is kept as golden files: together they render every family. */
const GOLDEN_EXAMPLES = ['demo', 'beryl3'];

/** Each rendered family and the paths it writes; every rendered file but the plan belongs to one. */
const FAMILIES: Record<string, (path: string) => boolean> = {
  compose: (p) => /^(shared|projects\/[^/]+)\/compose\.yaml$/.test(p),
  backup: (p) => /^projects\/[^/]+\/backup\//.test(p),
  nginx: (p) => p.startsWith('shared/nginx/'),
  prometheus: (p) => p.startsWith('shared/prometheus/'),
  alertmanager: (p) => p.startsWith('shared/alertmanager/'),
  loki: (p) => p.startsWith('shared/loki/'),
  alloy: (p) => p.startsWith('shared/alloy/'),
  grafana: (p) => p.startsWith('shared/grafana/'),
  mtail: (p) => p.startsWith('shared/mtail/'),
  registry: (p) => p.startsWith('shared/registry/'),
};
/** The plan as JSON, written next to the layout; test/plan checks it, and it is no rendered config. */
const PLAN = 'plan.json';

const rendered = (name: string) => renderServerLayout(exampleContext(name)).filter((a) => a.path !== PLAN);

describe('golden files: every rendered family of the golden examples, in one tree (UPDATE_GOLDEN=1 rewrites it)', () => {
  for (const name of GOLDEN_EXAMPLES) {
    it(`${name}: the same files twice, each of one family, and the whole tree equal to them with none left over`, () => {
      const artifacts = rendered(name);
      assert.deepEqual(rendered(name), artifacts, 'rendering twice gives the same files');
      for (const a of artifacts) {
        const families = Object.keys(FAMILIES).filter((f) => FAMILIES[f]!(a.path));
        assert.equal(families.length, 1, `${a.path} belongs to one family, not [${families}]`);
      }
      assertGolden(join(GOLDEN, name), artifacts);
    });

    for (const [family, owns] of Object.entries(FAMILIES)) {
      const artifacts = rendered(name).filter((a) => owns(a.path));
      if (!artifacts.length) continue; // such a family is covered by the other example, checked below
      it(`${name}: ${family} (files: ${artifacts.length}) equal to its golden files, none left over`, () => {
        assertGolden(join(GOLDEN, name), artifacts, owns);
      });
    }
  }

  it('every family is rendered by some golden example, and has golden files', () => {
    for (const [family, owns] of Object.entries(FAMILIES)) {
      const examples = GOLDEN_EXAMPLES.filter((n) => rendered(n).some((a) => owns(a.path)));
      assert.ok(examples.length, `no golden example renders ${family}`);
      for (const n of examples)
        assert.ok(filesUnder(join(GOLDEN, n)).some(owns), `${family} has no golden file for ${n}`);
    }
  });
});

describe('the golden check itself', () => {
  const file = (path: string, content: string) => ({ path, content, mode: 0o644 });

  it('fails on a missing golden file, a changed one, and a left-over one; UPDATE_GOLDEN=1 writes and prunes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stagecraft-golden-'));
    const previous = process.env.UPDATE_GOLDEN;
    try {
      delete process.env.UPDATE_GOLDEN;
      assert.throws(() => assertGolden(dir, [file('a/x.yml', 'x\n')]), /golden file .*a\/x\.yml is missing/);
      writeFileSync(join(dir, 'x.yml'), 'old\n');
      assert.throws(() => assertGolden(dir, [file('x.yml', 'new\n')]), /x\.yml differs/);
      writeFileSync(join(dir, 'stale.yml'), '');
      assert.throws(() => assertGolden(dir, [file('x.yml', 'old\n')]), /left over/);
      assertGolden(dir, [file('x.yml', 'old\n')], (p) => p !== 'stale.yml');
      process.env.UPDATE_GOLDEN = '1';
      assertGolden(dir, [file('a/x.yml', 'x\n')], (p) => p !== 'x.yml');
      assert.deepEqual(filesUnder(dir), ['a/x.yml', 'x.yml']);
    } finally {
      if (previous === undefined) delete process.env.UPDATE_GOLDEN;
      else process.env.UPDATE_GOLDEN = previous;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
