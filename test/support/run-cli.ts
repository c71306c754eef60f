import { Readable } from 'node:stream';
import type { Io } from '../../src/cli/io.ts';
import { run } from '../../src/cli/program.ts';
import { styleFor } from '../../src/cli/style.ts';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/**
 * Runs a command in this process, as the binary would run it in `cwd` with only `env` (and PATH
 * and HOME) set and `input` on a pipe: its exit code and what it wrote, line by line, as the
 * binary would have. Not a terminal, so no colour.
 */
export async function runCli(
  args: string[],
  opts: { cwd: string; env?: Record<string, string>; input?: string },
): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const plain = styleFor({ isTTY: false });
  const io: Io = {
    out: (line) => out.push(`${line}\n`),
    err: (line) => err.push(`${line}\n`),
    style: plain,
    errStyle: plain,
    stdin: Readable.from(opts.input ? [Buffer.from(opts.input)] : []),
    stderr: { isTTY: false, write: (s: string) => err.push(s) },
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...opts.env },
    cwd: opts.cwd,
  };
  const code = await run(args, io);
  return { code, out: out.join(''), err: err.join('') };
}
