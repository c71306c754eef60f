import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createToken, userOfToken } from '../../src/ops/tokens.ts';
import { type Backend, useBackends, withFreshStore } from './backends.ts';

function tokenSuite(backend: Backend): void {
  const withStore = withFreshStore(backend);

  it('a created token names its user; the store keeps its hash, never the token', () =>
    withStore(async (store) => {
      const { token } = await createToken(store, 'alice');
      assert.match(token, /^sct_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
      assert.equal(await userOfToken(store, token), 'alice');
      const [row] = await store.listTokens();
      assert.equal(row!.user, 'alice');
      assert.ok(!token.includes(row!.hash) && !JSON.stringify(row).includes(token.split('_')[2]!));
    }));

  it('a wrong secret, a malformed token and a revoked token name nobody', () =>
    withStore(async (store) => {
      const { token } = await createToken(store, 'bob');
      const other = await createToken(store, 'carol');
      const secret = token.slice(-43);
      const flipped = `${token.slice(0, -43)}${secret[0] === 'A' ? 'B' : 'A'}${secret.slice(1)}`;
      assert.equal(await userOfToken(store, flipped), null);
      assert.equal(await userOfToken(store, 'Bearer nonsense'), null);
      assert.equal(await userOfToken(store, ''), null);
      assert.equal(await store.revokeTokens('bob'), 1);
      assert.equal(await store.revokeTokens('bob'), 0);
      assert.equal(await userOfToken(store, token), null);
      assert.equal(await userOfToken(store, other.token), 'carol', "another user's token stays");
      assert.ok((await store.listTokens()).find((t) => t.user === 'bob')!.revokedAt);
    }));

  it('the audit log keeps who, what and the result, newest first', () =>
    withStore(async (store) => {
      await store.addAudit({
        user: 'alice',
        project: 'shop',
        action: 'deploy',
        result: 'ok',
        detail: { images: {} },
      });
      await store.addAudit({
        user: 'bob',
        project: 'shop',
        action: 'restore',
        result: 'refused',
        detail: null,
      });
      const log = await store.listAudit();
      assert.deepEqual(
        log.map((a) => [a.user, a.action, a.result]),
        [
          ['bob', 'restore', 'refused'],
          ['alice', 'deploy', 'ok'],
        ],
      );
      assert.deepEqual(log[1]!.detail, { images: {} });
      assert.equal((await store.listAudit(1)).length, 1);
    }));

  it('events after an id are the ones recorded since', () =>
    withStore(async (store) => {
      const first = await store.addEvent({ project: 'shop', kind: 'deploy', message: 'one' });
      await store.addEvent({ project: 'shop', kind: 'deploy', message: 'two' });
      assert.deepEqual(
        (await store.listEvents({ afterId: first.id })).map((e) => e.message),
        ['two'],
      );
    }));
}

for (const backend of useBackends())
  describe(`tokens and audit (${backend.name})`, () => tokenSuite(backend));
