import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { renderBackups } from '../../../src/render/backup/index.ts';
import { exampleContext } from '../../support/render.ts';

describe('the rendered backup.sh', () => {
  it('takes the backup folder as data: a folder with quotes and $(…) in its name runs nothing', () => {
    const ctx = exampleContext('demo');
    const tmp = mkdtempSync(join(tmpdir(), 'stagecraft-backup-sh-'));
    // The spec refuses such a folder (SC0308); the script must still not run it if one got through.
    const hostile = `${tmp}/a'b"$(touch ${tmp}/pwned)\`touch ${tmp}/pwned2\`$HOME`;
    const spec = { ...ctx.spec, server: { ...ctx.spec.server, backupDir: hostile } };
    const script = renderBackups({ ...ctx, spec }).find((a) => a.path.endsWith('backup.sh'));
    assert.ok(script, 'the demo has a backed-up database');
    const project = script.path.split('/')[1]!;
    const dir = join(tmp, 'projects', project, 'backup');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'backup.sh'), script.content, { mode: 0o755 });
    // A `docker` that says it has compose and does nothing else, so the script runs to its end.
    const bin = join(tmp, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'docker'), '#!/bin/sh\nexit 0\n');
    chmodSync(join(bin, 'docker'), 0o755);
    const r = spawnSync('sh', [join(dir, 'backup.sh'), 'db'], {
      encoding: 'utf8',
      env: { PATH: `${bin}:/usr/bin:/bin`, HOME: '/home-not-expanded' },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(existsSync(join(tmp, 'pwned')), false, '$(…) ran');
    assert.equal(existsSync(join(tmp, 'pwned2')), false, 'backticks ran');
    assert.ok(existsSync(join(hostile, project)), 'the folder was made under its literal name');
    assert.ok(r.stdout.startsWith(`${hostile}/${project}/${project}-db-`), r.stdout);
    assert.match(readFileSync(join(dir, 'backup.sh'), 'utf8'), /^dir='/m);
  });
});
