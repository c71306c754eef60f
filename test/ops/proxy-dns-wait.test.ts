import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PROXY_DNS_VALID_S } from '../../src/model/index.ts';
import { proxyDnsFreshAt } from '../../src/ops/up.ts';

/** nginx's resolver cache: an answer asked at `asked` (ms) is still used at `now` while ngx_time() <= asked's second + valid. */
const nginxStillUses = (asked: number, now: number) =>
  Math.floor(now / 1000) <= Math.floor(asked / 1000) + PROXY_DNS_VALID_S;

describe('how long a rollout waits for the proxy’s DNS cache', () => {
  it('no answer asked before the new replicas joined is still used once the wait is over', () => {
    for (let joined = 1_000_000; joined < 1_003_000; joined += 37) {
      const fresh = proxyDnsFreshAt(joined);
      for (const asked of [joined, joined - 1, Math.floor(joined / 1000) * 1000, joined - 999])
        assert.equal(
          nginxStillUses(asked, fresh),
          false,
          `asked ${asked}, joined ${joined}, waited until ${fresh}`,
        );
      // Tight: without its 100 ms margin (for nginx's clock, read once per event loop turn), the
      // wait ends as the last such answer expires, and a millisecond earlier it is still used.
      assert.equal(nginxStillUses(joined, fresh - 100), false);
      assert.equal(nginxStillUses(joined, fresh - 101), true);
    }
  });

  it('waits less than the fixed valid + 1 seconds it used to, on average, and never more', () => {
    let total = 0;
    let n = 0;
    for (let joined = 5_000_000; joined < 5_010_000; joined += 13, n++) {
      const wait = proxyDnsFreshAt(joined) - joined;
      assert.ok(wait <= (PROXY_DNS_VALID_S + 1) * 1000 + 100, `waited ${wait} ms`);
      assert.ok(wait > PROXY_DNS_VALID_S * 1000, `waited ${wait} ms`);
      total += wait;
    }
    assert.ok(total / n < (PROXY_DNS_VALID_S + 1) * 1000 - 300, `mean wait ${total / n} ms`);
  });
});
