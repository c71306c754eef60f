import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dockerFor } from '../../src/drivers/docker/client.ts';
import { lostCredentials } from '../../src/ops/lost-credentials.ts';
import { loadSpecText } from '../../src/spec/index.ts';
import { openFileSecretStore } from '../../src/state/secret-store-files.ts';
import { docker } from '../support/docker-cli.ts';
import { onePostgresSpec } from '../support/small-spec.ts';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'stagecraft-lost-credentials-'));
const VOLUME = 'lostcred-db-data';

const SPEC = onePostgresSpec('lostcred', 0);

function stagecraft(...args: string[]) {
  return spawnSync(join(root, 'bin', 'stagecraft'), args, {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
}

const containers = () => docker('ps', '-aq', '--filter', 'label=io.stagecraft.project=lostcred');

/**
 * A data volume left by an earlier deployment, and a state folder without its password (a fresh
 * clone, lost secret files): `up` must say so before it changes anything, not fail in the release
 * step with "password authentication failed". Real engine, a volume this test creates.
 */
describe('up with data whose password the secret store lost', () => {
  before(() => {
    writeFileSync(join(dir, 'staging.yaml'), SPEC);
    spawnSync('docker', ['volume', 'rm', '-f', VOLUME]);
    docker('volume', 'create', '--label', 'io.stagecraft.environment=preview', VOLUME);
  });
  after(() => {
    spawnSync('docker', ['volume', 'rm', '-f', VOLUME]);
  });

  it('stops with exit 1 and says what to do, before it writes, generates or starts anything', () => {
    const r = stagecraft('up');
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /lostcred\/db: the volume lostcred-db-data holds data set up with a password/);
    assert.match(r.stderr, /stagecraft secrets set lostcred DB_PASSWORD/);
    assert.match(r.stderr, /docker volume rm lostcred-db-data/);
    assert.equal(containers(), '', 'no container was created');
    assert.equal(existsSync(join(dir, '.stagecraft', 'server')), false, 'no layout was written');
    const listed = stagecraft('secrets', 'list', 'lostcred', '--json');
    assert.equal(listed.status, 0, listed.stderr);
    assert.ok(!listed.stdout.includes('"set":true'), `no password was generated: ${listed.stdout}`);
  });

  it('is content once the password is back in the store, or the volume is gone', async () => {
    const set = spawnSync(join(root, 'bin', 'stagecraft'), ['secrets', 'set', 'lostcred', 'DB_PASSWORD'], {
      cwd: dir,
      input: 'the-old-password',
      encoding: 'utf8',
    });
    assert.equal(set.status, 0, set.stderr);
    const { spec } = loadSpecText(join(dir, 'staging.yaml'), SPEC, {});
    const engine = async () => dockerFor('local', {});
    const secrets = openFileSecretStore(join(dir, '.stagecraft', 'secrets'));
    assert.deepEqual(await lostCredentials(spec!, secrets, engine), []);
    await secrets.delete('lostcred', 'DB_PASSWORD');
    assert.equal((await lostCredentials(spec!, secrets, engine)).length, 1, 'the same check, in-process');
    docker('volume', 'rm', '-f', VOLUME);
    assert.deepEqual(await lostCredentials(spec!, secrets, engine), [], 'no volume, nothing to lose');
  });
});
