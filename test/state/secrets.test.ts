import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  DEFAULT_ALPHABET,
  generateValue,
  InvalidSecretName,
  openSecretStore,
  type SecretLocation,
  type SecretStore,
} from '../../src/state/index.ts';
import { withoutValue } from '../../src/state/secret-store.ts';
import { type Backend, useBackends } from './backends.ts';

const VALUE = 'tok-3f9a-must-never-be-shown';

/** Runs `work` with a fresh store, and hands the location too (to reopen it). */
async function withSecrets(
  backend: Backend,
  work: (store: SecretStore, location: SecretLocation) => Promise<void>,
): Promise<void> {
  const location = await backend.freshSecrets();
  const store = await openSecretStore(location);
  try {
    await work(store, location);
  } finally {
    await store.close();
  }
}

/**
 * Starts `n` processes that each open the file store, then lets them all call ensureGenerated at
 * the same moment; the values they got.
 */
async function raceProcesses(n: number, dir: string, project: string, name: string): Promise<string[]> {
  const script = `
    const { openSecretStore } = await import(${JSON.stringify(new URL('../../src/state/index.ts', import.meta.url).href)});
    const store = await openSecretStore({ dir: ${JSON.stringify(dir)} });
    process.stdout.write('ready\\n');
    await new Promise((go) => process.stdin.once('data', go));
    process.stdout.write((await store.ensureGenerated(${JSON.stringify(project)}, ${JSON.stringify(name)})) + '\\n');
    process.exit(0);`;
  const children = Array.from({ length: n }, () => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    const ready = new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk;
        if (out.startsWith('ready\n')) resolve();
      }),
    );
    const done = new Promise<string>((resolve, reject) =>
      // 'close', not 'exit': the value is read once the child's stdout has ended.
      child.on('close', (code) =>
        code === 0 ? resolve(out.split('\n')[1]!) : reject(new Error(`exit ${code}`)),
      ),
    );
    return { child, ready, done };
  });
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.child.stdin.end('go');
  return Promise.all(children.map((c) => c.done));
}

function secretSuite(backend: Backend): void {
  it('reports its kind', () =>
    withSecrets(backend, async (store) => {
      assert.equal(store.kind, backend.name === 'SQLite' ? 'files' : 'postgres');
    }));

  it('set, get, has, overwrite, delete', () =>
    withSecrets(backend, async (store) => {
      assert.equal(await store.get('shop', 'API_TOKEN'), undefined);
      assert.equal(await store.has('shop', 'API_TOKEN'), false);
      await store.set('shop', 'API_TOKEN', VALUE);
      assert.equal(await store.get('shop', 'API_TOKEN'), VALUE);
      assert.equal(await store.has('shop', 'API_TOKEN'), true);
      assert.equal(await store.has('blog', 'API_TOKEN'), false, 'per project');
      await store.set('shop', 'API_TOKEN', 'second value\nwith a newline and ünïcödé ');
      assert.equal(await store.get('shop', 'API_TOKEN'), 'second value\nwith a newline and ünïcödé ');
      await store.set('shared', 'GRAFANA_ADMIN_PASSWORD', '');
      assert.equal(await store.get('shared', 'GRAFANA_ADMIN_PASSWORD'), '', 'an empty value is a value');
      assert.equal(await store.delete('shop', 'API_TOKEN'), true);
      assert.equal(await store.delete('shop', 'API_TOKEN'), false);
      assert.equal(await store.get('shop', 'API_TOKEN'), undefined);
      assert.equal(await store.has('shop', 'API_TOKEN'), false);
    }));

  it('list gives names only, ordered, for all projects or one', () =>
    withSecrets(backend, async (store) => {
      assert.deepEqual(await store.list(), []);
      await store.set('shop', 'STRIPE_KEY', VALUE);
      await store.set('blog', 'DJANGO_SECRET_KEY', `${VALUE}-2`);
      await store.set('shop', 'API_TOKEN', `${VALUE}-3`);
      await store.set('shared', 'SMTP_PASSWORD', `${VALUE}-4`);
      const all = await store.list();
      assert.deepEqual(all, [
        { project: 'blog', name: 'DJANGO_SECRET_KEY' },
        { project: 'shared', name: 'SMTP_PASSWORD' },
        { project: 'shop', name: 'API_TOKEN' },
        { project: 'shop', name: 'STRIPE_KEY' },
      ]);
      for (const ref of all) assert.deepEqual(Object.keys(ref), ['project', 'name']);
      assert.doesNotMatch(JSON.stringify(all), /must-never-be-shown/);
      assert.deepEqual(await store.list('shop'), [
        { project: 'shop', name: 'API_TOKEN' },
        { project: 'shop', name: 'STRIPE_KEY' },
      ]);
      assert.deepEqual(await store.list('nobody'), []);
    }));

  it('ensureGenerated makes a random value once and returns it ever after, also after reopening', async () => {
    const location = await backend.freshSecrets();
    const store = await openSecretStore(location);
    const value = await store.ensureGenerated('shop', 'POSTGRES_PASSWORD');
    assert.match(value, /^[A-Za-z0-9]{32}$/);
    assert.equal(await store.ensureGenerated('shop', 'POSTGRES_PASSWORD'), value);
    assert.equal(
      await store.ensureGenerated('shop', 'POSTGRES_PASSWORD', { length: 8 }),
      value,
      'options do not regenerate',
    );
    assert.equal(await store.get('shop', 'POSTGRES_PASSWORD'), value);
    const other = await store.ensureGenerated('blog', 'POSTGRES_PASSWORD');
    assert.notEqual(other, value, 'each secret gets its own value');
    const custom = await store.ensureGenerated('shop', 'REDIS_PASSWORD', { length: 50, alphabet: 'abc' });
    assert.match(custom, /^[abc]{50}$/);
    await store.close();

    const again = await openSecretStore(location);
    try {
      assert.equal(await again.ensureGenerated('shop', 'POSTGRES_PASSWORD'), value);
      assert.equal(await again.ensureGenerated('shop', 'REDIS_PASSWORD'), custom);
    } finally {
      await again.close();
    }
  });

  it('ensureGenerated keeps a value that was set by hand', () =>
    withSecrets(backend, async (store) => {
      await store.set('shop', 'RABBITMQ_PASSWORD', VALUE);
      assert.equal(await store.ensureGenerated('shop', 'RABBITMQ_PASSWORD'), VALUE);
    }));

  it('stores asking for the same generated secret at once all get one value', async () => {
    const location = await backend.freshSecrets();
    const stores = await Promise.all([1, 2, 3, 4].map(() => openSecretStore(location)));
    try {
      const values = await Promise.all(stores.map((s) => s.ensureGenerated('shop', 'DB_PASSWORD')));
      assert.equal(new Set(values).size, 1, `one value, not ${values.length}`);
      assert.equal(await stores[0]!.get('shop', 'DB_PASSWORD'), values[0]);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('bad project and secret names are refused, without the value, and nothing is stored', () =>
    withSecrets(backend, async (store) => {
      const refused = (e: unknown) => {
        assert.ok(e instanceof InvalidSecretName, String(e));
        assert.ok(!e.message.includes(VALUE), `the message shows the value: ${e.message}`);
        assert.ok(!String(e.stack).includes(VALUE), 'the stack shows the value');
        return true;
      };
      for (const project of ['../etc', '..', 'Shop', '', 'a/b', 'shop\n', '-shop', `x${'y'.repeat(63)}`])
        await assert.rejects(store.set(project, 'API_TOKEN', VALUE), refused, JSON.stringify(project));
      for (const name of [
        'bad name',
        '../API',
        'api_token',
        '1TOKEN',
        '',
        'A.B',
        'A/B',
        `A${'B'.repeat(128)}`,
      ])
        await assert.rejects(store.set('shop', name, VALUE), refused, JSON.stringify(name));
      await assert.rejects(store.set('shop', 'bad name', VALUE), /"bad name" is not a secret name/);
      await assert.rejects(store.set('../etc', 'X', VALUE), /"..\/etc" is not a project name/);
      // A long "name" is more likely a value in the wrong place: it is not shown at all.
      await assert.rejects(store.set('shop', VALUE.repeat(3), 'x'), (e: Error) => {
        assert.match(e.message, /^a 84-character text is not a secret name/);
        return true;
      });
      await assert.rejects(store.get('../etc', 'PASSWD'), InvalidSecretName);
      await assert.rejects(store.has('shop', '../X'), InvalidSecretName);
      await assert.rejects(store.delete('shop', '../X'), InvalidSecretName);
      await assert.rejects(store.list('../..'), InvalidSecretName);
      await assert.rejects(store.ensureGenerated('..', 'X'), InvalidSecretName);
      assert.deepEqual(await store.list(), []);
    }));

  it('a value no store can keep is refused without showing it', () =>
    withSecrets(backend, async (store) => {
      await assert.rejects(store.set('shop', 'API_TOKEN', `${VALUE}\0`), (e: Error) => {
        assert.match(e.message, /the value of shop\/API_TOKEN contains a NUL character/);
        assert.ok(!e.message.includes(VALUE));
        return true;
      });
      assert.equal(await store.has('shop', 'API_TOKEN'), false);
    }));

  it('bad generation options are refused', () =>
    withSecrets(backend, async (store) => {
      await assert.rejects(
        store.ensureGenerated('shop', 'X', { length: 0 }),
        /length must be a whole number/,
      );
      await assert.rejects(
        store.ensureGenerated('shop', 'X', { alphabet: 'a' }),
        /needs 2 to 256 characters/,
      );
      assert.equal(await store.has('shop', 'X'), false);
    }));
}

describe('secret store', () => {
  const backends = useBackends();
  for (const backend of backends)
    describe(`on ${backend.name === 'SQLite' ? 'files' : 'PostgreSQL'}`, () => secretSuite(backend));

  describe('file specifics', () => {
    const files = backends.find((b) => b.name === 'SQLite')!;
    const fresh = async () => {
      const location = await files.freshSecrets();
      assert.ok('dir' in location);
      return { dir: location.dir, store: await openSecretStore(location) };
    };
    const mode = (path: string) => statSync(path).mode & 0o777;

    it('files are <dir>/<project>/<NAME>, mode 0600, in directories of mode 0700, whatever the umask', async () => {
      const { dir, store } = await fresh();
      const old = process.umask(0);
      try {
        await store.set('shop', 'API_TOKEN', VALUE);
        await store.ensureGenerated('shop', 'DB_PASSWORD');
      } finally {
        process.umask(old);
      }
      assert.equal(readFileSync(join(dir, 'shop', 'API_TOKEN'), 'utf8'), VALUE);
      assert.equal(mode(join(dir, 'shop', 'API_TOKEN')), 0o600);
      assert.equal(mode(join(dir, 'shop', 'DB_PASSWORD')), 0o600);
      assert.equal(mode(join(dir, 'shop')), 0o700);
      assert.equal(mode(dir), 0o700);
    });

    it('directories that exist with looser modes are tightened', async () => {
      const { dir, store } = await fresh();
      mkdirSync(join(dir, 'shop'), { recursive: true, mode: 0o755 });
      const old = process.umask(0);
      try {
        mkdirSync(join(dir, 'blog'), { mode: 0o777 });
      } finally {
        process.umask(old);
      }
      assert.equal(mode(join(dir, 'blog')), 0o777);
      await store.set('shop', 'A', '1');
      await store.set('blog', 'B', '2');
      assert.equal(mode(dir), 0o700);
      assert.equal(mode(join(dir, 'shop')), 0o700);
      assert.equal(mode(join(dir, 'blog')), 0o700);
    });

    it('writes leave no temporary files, and list ignores anything that is not a secret', async () => {
      const { dir, store } = await fresh();
      for (let i = 0; i < 5; i++) await store.set('shop', 'API_TOKEN', `${VALUE}-${i}`);
      await store.ensureGenerated('shop', 'DB_PASSWORD');
      await store.ensureGenerated('shop', 'DB_PASSWORD');
      assert.deepEqual(readdirSync(join(dir, 'shop')).sort(), ['API_TOKEN', 'DB_PASSWORD']);
      writeFileSync(join(dir, 'shop', 'notes.txt'), 'x');
      writeFileSync(join(dir, 'shop', '.API_TOKEN.0123.tmp'), 'x');
      mkdirSync(join(dir, 'shop', 'SUBDIR'));
      mkdirSync(join(dir, 'Not-A-Project'));
      writeFileSync(join(dir, 'Not-A-Project', 'X'), 'x');
      writeFileSync(join(dir, 'stray-file'), 'x');
      assert.deepEqual(await store.list(), [
        { project: 'shop', name: 'API_TOKEN' },
        { project: 'shop', name: 'DB_PASSWORD' },
      ]);
    });

    it('a symbolic link in place of a secret is not followed, and set replaces the link, not its target', async () => {
      const { dir, store } = await fresh();
      await store.set('shop', 'OTHER', 'x');
      const target = join(dir, '..', 'target.txt');
      writeFileSync(target, 'outside');
      symlinkSync(target, join(dir, 'shop', 'API_TOKEN'));
      await assert.rejects(store.get('shop', 'API_TOKEN'), /shop\/API_TOKEN is a symbolic link/);
      await store.set('shop', 'API_TOKEN', VALUE);
      assert.equal(readFileSync(target, 'utf8'), 'outside');
      assert.equal(await store.get('shop', 'API_TOKEN'), VALUE);
    });

    it('a project directory that is a symbolic link is refused', async () => {
      const { dir, store } = await fresh();
      mkdirSync(dir, { recursive: true });
      const elsewhere = join(dir, '..', 'elsewhere');
      mkdirSync(elsewhere);
      symlinkSync(elsewhere, join(dir, 'shop'));
      await assert.rejects(store.set('shop', 'API_TOKEN', VALUE), (e: Error) => {
        assert.match(e.message, /shop is not a directory/);
        assert.ok(!e.message.includes(VALUE));
        return true;
      });
      assert.deepEqual(readdirSync(elsewhere), []);
    });

    it('processes asking for the same generated secret at once all get one value', async () => {
      const { dir } = await fresh();
      const values = await raceProcesses(6, dir, 'shop', 'DB_PASSWORD');
      assert.equal(values.length, 6);
      assert.equal(new Set(values).size, 1, `one value, not ${new Set(values).size}`);
      assert.equal(readFileSync(join(dir, 'shop', 'DB_PASSWORD'), 'utf8'), values[0]);
    });

    it('errors from writing do not carry the value', async () => {
      const { dir, store } = await fresh();
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'shop'), 'a file where the project directory should be');
      await assert.rejects(store.set('shop', 'API_TOKEN', VALUE), (e: Error) => !e.message.includes(VALUE));
      assert.equal(existsSync(join(dir, 'shop', 'API_TOKEN')), false);
    });
  });

  it('withoutValue keeps the message but drops the value and everything else an error carries', async () => {
    const original = Object.assign(new Error(`duplicate key: (value)=(${VALUE}) in ${VALUE}`), {
      detail: VALUE,
      code: '23505',
    });
    await assert.rejects(
      withoutValue(VALUE, () => {
        throw original;
      }),
      (e: Error) => {
        assert.equal(e.message, 'duplicate key: (value)=([value]) in [value]');
        assert.doesNotMatch(JSON.stringify(e, Object.getOwnPropertyNames(e)), /must-never-be-shown/);
        assert.equal(e.cause, undefined);
        return true;
      },
    );
    assert.equal(await withoutValue(VALUE, () => 42), 42);
  });
});

describe('generated values', () => {
  it('are 32 letters and digits by default, and differ', () => {
    const values = Array.from({ length: 50 }, () => generateValue());
    for (const v of values) assert.match(v, /^[A-Za-z0-9]{32}$/);
    assert.equal(new Set(values).size, 50);
  });

  it('follow the length and alphabet asked for, using every character of it', () => {
    assert.match(generateValue({ length: 1 }), /^[A-Za-z0-9]$/);
    assert.equal(generateValue({ length: 4096 }).length, 4096);
    const hex = generateValue({ length: 2000, alphabet: '0123456789abcdef' });
    assert.match(hex, /^[0-9a-f]{2000}$/);
    assert.equal(new Set(hex).size, 16);
    const emoji = generateValue({ length: 300, alphabet: '🔑🗝' });
    assert.equal(Array.from(emoji).length, 300);
    assert.deepEqual(new Set(emoji), new Set(['🔑', '🗝']));
    assert.equal(new Set(generateValue({ length: 4096 })).size, DEFAULT_ALPHABET.length);
  });

  it('are drawn without bias: every character within 10% of its share over 163,840 draws', () => {
    // 256 is not a multiple of 62: bytes taken modulo 62 without rejection would make the first 8
    // characters a quarter likelier (about 3,200 draws each, against 2,642).
    const counts = new Map<string, number>();
    const drawn = Array.from({ length: 40 }, () => generateValue({ length: 4096 })).join('');
    for (const c of drawn) counts.set(c, (counts.get(c) ?? 0) + 1);
    const share = drawn.length / DEFAULT_ALPHABET.length;
    for (const c of DEFAULT_ALPHABET) {
      const n = counts.get(c) ?? 0;
      assert.ok(
        Math.abs(n - share) < share * 0.1,
        `${c} drawn ${n} times, expected about ${Math.round(share)}`,
      );
    }
  });

  it('refuse options that would make weak or broken values', () => {
    assert.throws(() => generateValue({ length: 0 }), /from 1 to 4096, not 0/);
    assert.throws(() => generateValue({ length: 4097 }), /from 1 to 4096, not 4097/);
    assert.throws(() => generateValue({ length: 2.5 }), /from 1 to 4096, not 2.5/);
    assert.throws(() => generateValue({ alphabet: 'a' }), /needs 2 to 256 characters, not 1/);
    assert.throws(() => generateValue({ alphabet: 'abca' }), /repeats a character/);
    assert.throws(() => generateValue({ alphabet: 'a\0' }), /NUL/);
  });
});
