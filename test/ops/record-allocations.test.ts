import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { recordAllocations } from '../../src/ops/record-allocations.ts';
import { planEnvironment, rowsToRecorded } from '../../src/plan/index.ts';
import { loadSpecText, type Spec } from '../../src/spec/index.ts';
import { openStore } from '../../src/state/index.ts';

function spec(projects: string[]): Spec {
  const body = projects
    .map(
      (p) => `  ${p}:\n    services:\n      web: { type: app, image: x:1 }\n      db: { type: postgres }\n`,
    )
    .join('');
  const r = loadSpecText(
    's.yaml',
    `version: 1\nserver: { domain: t.test, capacity: { cpus: 64, memory: 64GiB } }\nprojects:\n${body}`,
    {},
  );
  assert.ok(r.spec);
  return r.spec;
}

describe('recording allocations makes them sticky across plans (SQLite store)', () => {
  it('a survivor keeps its ports and block when projects come and go', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'stagecraft-record-')), 'state.db');
    let store = await openStore({ path });
    const first = planEnvironment(spec(['beta', 'gamma']));
    await recordAllocations(store, first);
    await store.close();

    // A new process: a project added in front, one removed.
    store = await openStore({ path });
    const recorded = rowsToRecorded(await store.loadAllocations());
    const second = planEnvironment(spec(['alpha', 'gamma']), { recorded });
    assert.deepEqual(second.allocations.gamma, first.allocations.gamma);
    assert.deepEqual(
      second.diff.projects.find((p) => p.name === 'beta'),
      { name: 'beta', change: 'remove' },
    );
    // alpha takes the first free port and block, not gamma's.
    assert.notEqual(second.allocations.alpha!.ports.web, first.allocations.gamma!.ports.web);
    await recordAllocations(store, second);
    const rows = await store.loadAllocations();
    assert.equal(rows.filter((r) => r.project === 'beta').length, 0, 'a removed project is forgotten');
    assert.ok(rows.some((r) => r.project === 'alpha' && r.kind === 'port' && r.key === 'web'));
    await store.close();
  });
});
