import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openStore } from '../../src/state/index.ts';
import { ONE_PROJECT } from '../spec/one-project.ts';
import { runCli } from '../support/run-cli.ts';

/** What `preview` refuses before it touches the engine (exit 2), and what it reads from the store. */
const dir = mkdtempSync(join(tmpdir(), 'stagecraft-preview-cli-'));
writeFileSync(
  join(dir, 'staging.yaml'),
  ONE_PROJECT.replace('  shop:\n', '  shop:\n    previews: { max: 1 }\n'),
);
const cli = (...args: string[]) => runCli(args, { cwd: dir });

after(() => rmSync(dir, { recursive: true, force: true }));

describe('stagecraft preview, without the engine', () => {
  it('list with no state says there are none, and creates no state', async () => {
    const r = await cli('preview', 'list');
    assert.deepEqual([r.code, r.out], [0, 'no previews\n']);
    assert.equal((await cli('preview', 'list', '--json')).out, '[]\n');
    assert.equal(existsSync(join(dir, '.stagecraft', 'state.db')), false);
  });

  it('refuses with exit 2 what cannot be a preview', async () => {
    const cases: [string[], RegExp][] = [
      [['preview', 'up', 'nope', 'x'], /no project nope in the spec; the projects are shop/],
      [['preview', 'up', 'shop', '//'], /"\/\/" gives no preview name/],
      [['preview', 'up', 'shop', 'x'.repeat(60)], /is 60 characters; at most 51 fit for project shop/],
      [
        ['preview', 'up', 'shop', 'x', '--image', 'api=shop:2'],
        /shop has no service api; its services are web, db/,
      ],
      [['preview', 'up', 'shop', 'x', '--image', 'web'], /--image web: write SERVICE=IMAGE/],
      [['preview', 'up', 'shop', 'x', '--ttl', '10s'], /--ttl 10s: give a duration from 1m to 365d/],
      [['preview', 'up', 'shop', 'x', '--ttl', 'soon'], /--ttl soon: /],
      [['preview', 'down', 'shop', 'x'], /no preview x of shop; it has none/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, message, args.join(' '));
    }
  });

  it('lists recorded previews with URL, age, expiry and images; refuses one past previews.max with exit 1', async () => {
    const store = await openStore({ path: join(dir, '.stagecraft', 'state.db') });
    const now = Date.now();
    await store.savePreview({
      project: 'shop',
      name: 'feat-login',
      images: { web: 'shop:2' },
      createdAt: new Date(now - 3 * 3600_000).toISOString(),
      expiresAt: new Date(now + 5 * 3600_000).toISOString(),
    });
    await store.close();
    const rows = JSON.parse((await cli('preview', 'list', '--json')).out);
    assert.deepEqual(
      rows.map((r: { url: string; images: object }) => [r.url, r.images]),
      [['https://feat-login.shop.example.test/', { web: 'shop:2' }]],
    );
    assert.match(
      (await cli('preview', 'list')).out,
      /shop\s+feat-login\s+https:\/\/feat-login\.shop\.example\.test\/\s+3h ago\s+in 5h\s+web=shop:2/,
    );
    const refused = await cli('preview', 'up', 'shop', 'another');
    assert.equal(refused.code, 1, refused.err);
    assert.match(
      refused.err,
      /shop has 1 preview, as many as its previews\.max \(1\): feat-login; remove one with stagecraft preview down shop NAME/,
    );
    // The plan sees the recorded preview as a project of its own.
    const plan = JSON.parse((await cli('plan', '--json')).out);
    assert.ok(plan.allocations['shop--feat-login'], Object.keys(plan.allocations).join(', '));
  });
});
