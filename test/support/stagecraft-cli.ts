import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'stagecraft');

/** Runs the stagecraft command in `cwd` with a bare environment: its exit code, standard output and error. */
export function runStagecraft(args: string[], cwd: string) {
  const r = spawnSync(bin, args, {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
