import assert from 'node:assert/strict';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { userOfToken } from '../../src/ops/tokens.ts';
import { openStore } from '../../src/state/index.ts';
import { runCli } from '../support/run-cli.ts';

const root = join(import.meta.dirname, '..', '..');

describe('stagecraft tokens', () => {
  it('create prints the token alone, list never shows it, revoke ends it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stagecraft-tokens-'));
    cpSync(join(root, 'examples', 'beryl3', 'staging.yaml'), join(dir, 'staging.yaml'));
    const created = await runCli(['tokens', 'create', 'alice'], { cwd: dir });
    assert.equal(created.code, 0, created.err);
    assert.match(created.out, /^sct_\S+\n$/);
    const token = created.out.trim();
    assert.equal(created.err, '', 'alice is in a team');

    const stranger = await runCli(['tokens', 'create', 'eve'], { cwd: dir });
    assert.match(stranger.err, /eve is in no team of staging\.yaml/);

    const json = await runCli(['tokens', 'create', 'bob', '--json'], { cwd: dir });
    assert.deepEqual(Object.keys(JSON.parse(json.out)), ['user', 'token']);

    const list = await runCli(['tokens', 'list', '--json'], { cwd: dir });
    assert.deepEqual(
      JSON.parse(list.out).map((t: { user: string }) => t.user),
      ['alice', 'eve', 'bob'],
    );
    assert.ok(!list.out.includes(token.slice(-43)), 'list shows no secret');

    const store = await openStore({ path: join(dir, '.stagecraft', 'state.db') });
    try {
      assert.equal(await userOfToken(store, token), 'alice');
      const revoked = await runCli(['tokens', 'revoke', 'alice'], { cwd: dir });
      assert.match(revoked.out, /revoked 1 token of alice/);
      assert.equal(await userOfToken(store, token), null);
    } finally {
      await store.close();
    }
  });

  it('refuses a user name teams: could not hold, with exit 2', async () => {
    const r = await runCli(['tokens', 'create', 'Not A User'], { cwd: root });
    assert.equal(r.code, 2);
    assert.match(r.err, /not a user name/);
  });
});
