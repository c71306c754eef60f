import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveStateLocation } from '../../src/state/index.ts';

describe('where the state lives (spec.md: State, secrets and rendered files)', () => {
  const specPath = '/srv/env/staging.yaml';
  const cwd = '/home/me/work';

  it('by default, .stagecraft/state.db beside the spec file', () => {
    assert.deepEqual(resolveStateLocation({ specPath, env: {}, cwd }), {
      path: '/srv/env/.stagecraft/state.db',
    });
    assert.deepEqual(resolveStateLocation({ specPath: 'staging.yaml', env: {}, cwd }), {
      path: '/home/me/work/.stagecraft/state.db',
    });
    assert.deepEqual(resolveStateLocation({ specPath: '../env/x.yaml', env: {}, cwd }), {
      path: '/home/me/env/.stagecraft/state.db',
    });
  });

  it('STAGECRAFT_STATE moves it, and --state wins over STAGECRAFT_STATE; relative paths from the working directory', () => {
    assert.deepEqual(
      resolveStateLocation({ specPath, env: { STAGECRAFT_STATE: '/var/lib/sc/state.db' }, cwd }),
      {
        path: '/var/lib/sc/state.db',
      },
    );
    assert.deepEqual(resolveStateLocation({ specPath, env: { STAGECRAFT_STATE: 'st/s.db' }, cwd }), {
      path: '/home/me/work/st/s.db',
    });
    assert.deepEqual(
      resolveStateLocation({
        specPath,
        stateFlag: 'flag.db',
        env: { STAGECRAFT_STATE: '/var/lib/sc/state.db' },
        cwd,
      }),
      { path: '/home/me/work/flag.db' },
    );
    assert.deepEqual(resolveStateLocation({ specPath, stateFlag: '', env: { STAGECRAFT_STATE: '' }, cwd }), {
      path: '/srv/env/.stagecraft/state.db',
    });
  });

  it('STAGECRAFT_DATABASE_URL wins over everything', () => {
    for (const url of [
      'postgres://sc:pw@db.internal:5432/stagecraft',
      'postgresql://localhost/sc?sslmode=require',
    ])
      assert.deepEqual(
        resolveStateLocation({
          specPath,
          stateFlag: '/tmp/s.db',
          env: { STAGECRAFT_DATABASE_URL: url, STAGECRAFT_STATE: '/tmp/e.db' },
          cwd,
        }),
        { databaseUrl: url },
      );
  });

  it('a STAGECRAFT_DATABASE_URL that is not PostgreSQL is refused without repeating it (it may hold a password)', () => {
    assert.throws(
      () =>
        resolveStateLocation({ specPath, env: { STAGECRAFT_DATABASE_URL: 'mysql://u:hunter2@h/db' }, cwd }),
      (e: Error) => {
        assert.equal(e.message, 'STAGECRAFT_DATABASE_URL must be a postgres:// or postgresql:// URL');
        return true;
      },
    );
  });
});
