import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { allocationsInPlanFile, recordedAllocations } from '../../src/ops/recovered-allocations.ts';
import { allocationsToRows, planToJson } from '../../src/plan/index.ts';
import { openStore } from '../../src/state/index.ts';
import { exampleContext } from '../support/render.ts';

const dir = mkdtempSync(join(tmpdir(), 'stagecraft-recovered-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('allocations when the state database has none', () => {
  const { plan } = exampleContext('demo');
  const planFile = join(dir, 'plan.json');
  writeFileSync(planFile, JSON.stringify(planToJson(plan), null, 2));

  it('the plan.json an up left gives back every allocation it recorded', () => {
    const sort = (rows: { project: string; kind: string; key: string }[]) =>
      [...rows].sort((a, b) =>
        `${a.project} ${a.kind} ${a.key}`.localeCompare(`${b.project} ${b.kind} ${b.key}`),
      );
    const rows = allocationsInPlanFile(planFile);
    assert.ok(rows.some((r) => r.kind === 'port'));
    assert.deepEqual(sort(rows), sort(allocationsToRows(plan.allocations)));
  });

  it('a missing, unreadable or foreign file gives none', () => {
    assert.deepEqual(allocationsInPlanFile(join(dir, 'none.json')), []);
    writeFileSync(join(dir, 'garbage.json'), '{not json');
    assert.deepEqual(allocationsInPlanFile(join(dir, 'garbage.json')), []);
    writeFileSync(
      join(dir, 'foreign.json'),
      JSON.stringify({ allocations: { shop: { subnet: 5, ports: 'x' } } }),
    );
    assert.deepEqual(allocationsInPlanFile(join(dir, 'foreign.json')), []);
  });

  it('the store’s own rows win; an empty store falls back to the server folder’s plan, and says so', async () => {
    const store = await openStore({ path: join(dir, 'state.db') });
    try {
      const fromFile = await recordedAllocations(store, dir);
      assert.equal(fromFile.recoveredFrom, planFile);
      assert.deepEqual(fromFile.rows.length, allocationsToRows(plan.allocations).length);
      const one = [{ project: 'shop', kind: 'subnet' as const, key: 'block', value: '10.99.0.0/24' }];
      await store.recordAllocations(one, ['shop']);
      const fromStore = await recordedAllocations(store, dir);
      assert.equal(fromStore.recoveredFrom, undefined);
      assert.deepEqual(fromStore.rows, one);
    } finally {
      await store.close();
    }
  });
});
