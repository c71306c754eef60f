import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { upArguments } from '../../src/cli/up-fast.ts';
import {
  inputFiles,
  inputsKey,
  readUpRecord,
  stampFiles,
  type UpInputs,
  unchangedSince,
  writeUpRecord,
} from '../../src/ops/up-record.ts';

/** The no-op fast path trusts its record only while every input it stands for is the same. */
describe('up record: the key of a converged up', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stagecraft-up-record-'));
  const secretsDir = join(dir, 'secrets');
  mkdirSync(join(secretsDir, 'shop'), { recursive: true });
  writeFileSync(join(secretsDir, 'shop', 'db_password'), 'one');
  const inputs: UpInputs = {
    specPath: join(dir, 'staging.yaml'),
    specText: 'version: 1\nenvironment: staging\n',
    env: { DOMAIN: 'example.test', HOME: '/root' },
    envNames: ['DOMAIN'],
    serverDir: join(dir, 'server'),
    allocations: [{ project: 'shop', kind: 'port', key: 'web', value: '18000' }],
  };
  const key = inputsKey(inputs);

  it('is the same for the same inputs, and ignores variables the spec does not read', () => {
    assert.equal(inputsKey({ ...inputs }), key);
    assert.equal(inputsKey({ ...inputs, env: { ...inputs.env, HOME: '/elsewhere' } }), key);
  });

  it('changes with the spec text, a variable it reads, the allocations, the spec or server path', () => {
    const variants: Partial<UpInputs>[] = [
      { specText: `${inputs.specText} ` },
      { env: { ...inputs.env, DOMAIN: 'other.test' } },
      { env: { HOME: '/root' } },
      { allocations: [{ project: 'shop', kind: 'port', key: 'web', value: '18001' }] },
      { specPath: join(dir, 'other.yaml') },
      { serverDir: join(dir, 'server2') },
    ];
    for (const v of variants) assert.notEqual(inputsKey({ ...inputs, ...v }), key, JSON.stringify(v));
  });

  it('sees a secret set, changed or removed, and a change to stagecraft itself, in the input files', () => {
    let stamps = inputFiles(secretsDir);
    assert.ok(
      stamps.some(([p]) => p.endsWith('/src/ops/up-record.ts')),
      'stagecraft’s sources are stamped',
    );
    assert.ok(stamps.some(([p]) => p.endsWith('/package.json')));
    assert.equal(unchangedSince('', stamps), true);
    writeFileSync(join(secretsDir, 'shop', 'api_key'), 'x');
    assert.equal(unchangedSince('', stamps), false, 'a new secret');
    stamps = inputFiles(secretsDir);
    writeFileSync(join(secretsDir, 'shop', 'api_key'), 'yy');
    assert.equal(unchangedSince('', stamps), false, 'a changed secret');
    stamps = inputFiles(secretsDir);
    rmSync(join(secretsDir, 'shop', 'api_key'));
    assert.equal(unchangedSince('', stamps), false, 'a removed secret');
    // A source file edited in place, same size, keeps its folder's time: its own stamp shows it.
    const source = stamps.find(([p]) => p.endsWith('/src/ops/up-record.ts'))!;
    const altered = stamps.map((s) => (s === source ? ([s[0], s[1], s[2] - 1000, s[3]] as typeof s) : s));
    assert.equal(unchangedSince('', altered), false, 'stagecraft changed');
  });

  it('holds no value of a variable the spec reads', () => {
    const path = join(dir, 'up-record.json');
    writeUpRecord(path, {
      key,
      envNames: ['DOMAIN'],
      inputFiles: [],
      environment: 'staging',
      host: 'local',
      projects: ['shop'],
      warnings: [],
      layout: [],
      wanted: [],
      routes: [],
    });
    const record = readUpRecord(path);
    assert.equal(record?.key, key);
    assert.doesNotMatch(JSON.stringify(record), /example\.test/);
  });

  it('is unreadable (so not trusted) when written by another format or cut short', () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{"version": 1, "key": "ab');
    assert.equal(readUpRecord(path), undefined);
    writeFileSync(path, JSON.stringify({ version: 1, key }));
    assert.equal(readUpRecord(path), undefined);
  });
});

describe('up record: the layout as the last up left it', () => {
  const root = mkdtempSync(join(tmpdir(), 'stagecraft-up-layout-'));
  const files = ['shared/nginx/nginx.conf', 'projects/shop/compose.yaml'];
  const reset = () => {
    for (const f of files) {
      mkdirSync(join(root, f, '..'), { recursive: true });
      writeFileSync(join(root, f), `content of ${f}\n`, { mode: 0o644 });
      chmodSync(join(root, f), 0o644);
      utimesSync(join(root, f), 1_700_000_000, 1_700_000_000);
    }
    return stampFiles(root, files);
  };

  it('is unchanged when nothing was touched', () => {
    assert.equal(unchangedSince(root, reset()), true);
  });

  it('is changed by an edit, a new mode, a removed file', () => {
    let stamps = reset();
    writeFileSync(join(root, files[0]!), 'edited by hand\n');
    assert.equal(unchangedSince(root, stamps), false);
    stamps = reset();
    chmodSync(join(root, files[1]!), 0o600);
    assert.equal(unchangedSince(root, stamps), false);
    stamps = reset();
    rmSync(join(root, files[1]!));
    assert.equal(unchangedSince(root, stamps), false);
  });

  it('is changed by an edit that keeps the size, through the modification time', () => {
    const stamps = reset();
    writeFileSync(join(root, files[0]!), `CONTENT of ${files[0]}\n`);
    assert.equal(unchangedSince(root, stamps), false);
  });
});

describe('up arguments the fast path understands', () => {
  it('reads up, its spec argument, --project and the global options anywhere', () => {
    assert.deepEqual(upArguments(['up']), { spec: undefined, project: undefined, globals: {} });
    assert.deepEqual(upArguments(['up', 'x.yaml', '--project', 'shop']), {
      spec: 'x.yaml',
      project: 'shop',
      globals: {},
    });
    assert.deepEqual(upArguments(['--spec', 's.yaml', 'up', '--state=st.db', '--project=blog']), {
      spec: undefined,
      project: 'blog',
      globals: { spec: 's.yaml', state: 'st.db' },
    });
  });

  it('leaves everything else to the full CLI', () => {
    for (const argv of [
      ['up', '--help'],
      ['up', '-h'],
      ['--project', 'shop', 'up'],
      ['up', 'a.yaml', 'b.yaml'],
      ['logs', 'up'],
      ['up', '--project'],
      ['up', '--dry-run'],
    ])
      assert.equal(upArguments(argv), undefined, argv.join(' '));
  });
});
