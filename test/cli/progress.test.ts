import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { progressFor } from '../../src/cli/progress.ts';

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { isTTY, writes, write: (s: string) => writes.push(s) };
}

describe("up's progress", () => {
  it('on a terminal: one line per task, redrawn in place, ticked when done', () => {
    const out = sink(true);
    const p = progressFor(out, (s) => s);
    p.step('shared stack: shared-proxy');
    p.step('shop: data: shop-db');
    p.step('shop: starting shop-web-1');
    p.step('blog: FAILED: the release step failed');
    p.done();
    const last = out.writes.at(-1)!;
    assert.ok(last.startsWith('\u001b[3A'), 'moves up over the three task lines');
    assert.match(last, /✓ shared stack: done/);
    assert.match(last, /✓ shop: done/);
    assert.match(last, /✗ blog: FAILED: the release step failed/);
    assert.match(out.writes[2]!, /shop: starting shop-web-1/);
  });

  it('elsewhere: plain timestamped lines, one per step, never cursor codes', () => {
    const out = sink(false);
    const p = progressFor(out, (s) => s);
    p.step('shop: data: shop-db');
    p.done();
    assert.equal(out.writes.length, 1);
    assert.match(out.writes[0]!, /^\d\d:\d\d:\d\d shop: data: shop-db\n$/);
  });
});
