import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { UnsafeOutput, writeArtifacts } from '../../src/ops/write-artifacts.ts';
import { file } from '../../src/render/artifact.ts';
import { runCli } from '../support/run-cli.ts';
import { onePostgresSpec } from '../support/small-spec.ts';

const base = mkdtempSync(join(tmpdir(), 'write-artifacts-'));
after(() => rmSync(base, { recursive: true, force: true }));

/** An output folder and, beside it, a folder that stands for "outside" with one file in it. */
function layout(name: string): { out: string; outside: string; victim: string } {
  const out = join(base, name, 'out');
  const outside = join(base, name, 'outside');
  mkdirSync(out, { recursive: true });
  mkdirSync(outside, { recursive: true });
  const victim = join(outside, 'victim');
  writeFileSync(victim, 'precious\n');
  return { out, outside, victim };
}

test('a symlinked folder below the output folder is refused, naming the link, and nothing is written through it', () => {
  const { out, outside, victim } = layout('dir-link');
  mkdirSync(join(out, 'shared'));
  symlinkSync(outside, join(out, 'shared', 'nginx'));
  assert.throws(
    () => writeArtifacts(out, [file('a.txt', 'a'), file('shared/nginx/victim', 'overwritten')]),
    (e: Error) =>
      e instanceof UnsafeOutput &&
      e.message.includes(join(out, 'shared', 'nginx')) &&
      /symlink/.test(e.message),
  );
  assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
  assert.equal(existsSync(join(out, 'a.txt')), false, 'refused before anything was written');
});

test('a symlinked file at an artifact’s path is refused, and its target is untouched', () => {
  const { out, victim } = layout('file-link');
  symlinkSync(victim, join(out, 'compose.yaml'));
  assert.throws(() => writeArtifacts(out, [file('compose.yaml', 'services: {}')]), UnsafeOutput);
  assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
});

test('a symlinked list is refused: it is neither read through nor written through', () => {
  const { out, victim } = layout('list-link');
  symlinkSync(victim, join(out, '.stagecraft-rendered'));
  assert.throws(() => writeArtifacts(out, [file('a.txt', 'a')]), UnsafeOutput);
  assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
});

test('a planted list deletes nothing outside, nor a file the user put there: each is kept and reported', () => {
  const { out, victim } = layout('planted');
  writeFileSync(join(out, 'notes.txt'), 'mine\n');
  const hashOf = (s: string) => createHash('sha256').update(s).digest('hex');
  const leaving = `../outside/victim`;
  writeFileSync(
    join(out, '.stagecraft-rendered'),
    [
      `${hashOf('precious\n')}  ${leaving}`,
      `${hashOf('precious\n')}  ${victim}`,
      'notes.txt',
      `${hashOf('x')}  notes.txt`,
    ]
      .map((l) => `${l}\n`)
      .join(''),
  );
  const result = writeArtifacts(out, [file('a.txt', 'a')]);
  assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
  assert.equal(readFileSync(join(out, 'notes.txt'), 'utf8'), 'mine\n');
  assert.deepEqual(result.removed, []);
  assert.deepEqual(
    result.kept.sort(),
    [
      `${leaving} (not a path inside the folder)`,
      `${victim} (not a path inside the folder)`,
      'notes.txt (changed since it was written)',
    ].sort(),
  );
});

test('a file an earlier render wrote goes when it is no longer rendered, unless it was edited since', () => {
  const { out } = layout('stale');
  writeArtifacts(out, [file('keep.txt', 'k'), file('old/gone.txt', 'g'), file('old/edited.txt', 'e')]);
  writeFileSync(join(out, 'old', 'edited.txt'), 'my change\n');
  const result = writeArtifacts(out, [file('keep.txt', 'k')]);
  assert.deepEqual(result.removed, ['old/gone.txt']);
  assert.deepEqual(result.kept, ['old/edited.txt (changed since it was written)']);
  assert.equal(existsSync(join(out, 'old', 'gone.txt')), false);
  assert.equal(readFileSync(join(out, 'old', 'edited.txt'), 'utf8'), 'my change\n');
});

test('a folder the list names through a symlink is not deleted through', () => {
  const { out, outside, victim } = layout('stale-link');
  writeArtifacts(out, [file('d/victim', 'precious\n')]);
  rmSync(join(out, 'd'), { recursive: true });
  symlinkSync(outside, join(out, 'd'));
  const result = writeArtifacts(out, [file('a.txt', 'a')]);
  assert.deepEqual(result.kept, ['d/victim (reached through a symlink)']);
  assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
});

test('render --out refuses a planted symlink with exit 1, naming it, and writes nothing through it', async () => {
  const { out, outside, victim } = layout('cli');
  const cwd = join(base, 'cli');
  writeFileSync(join(cwd, 'staging.yaml'), onePostgresSpec('linkshop', 2));
  symlinkSync(outside, join(out, 'shared'));
  const r = await runCli(['render', '--out', 'out'], { cwd });
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, new RegExp(`${join(out, 'shared')} is a symlink`));
  assert.deepEqual(readdirSync(outside), ['victim']);
  assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
});
