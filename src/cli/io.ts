import { type Style, styleFor } from './style.ts';

/** Where a command reads and writes; tests pass their own to run a command in-process. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  style: Style;
  errStyle: Style;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** For live progress and prompts: redrawn in place when it is a terminal. */
  stderr: { isTTY?: boolean; write(s: string): unknown };
  /** The variables every command reads (spec `${VAR}`s, STAGECRAFT_*, DOCKER_HOST), never `process.env`. */
  env: NodeJS.ProcessEnv;
  /** The working directory relative paths are taken from, never `process.cwd()`. */
  cwd: string;
}

export function processIo(): Io {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    style: styleFor(process.stdout),
    errStyle: styleFor(process.stderr),
    // Made on first use: setting up standard input costs a no-op `up` time it does not need.
    get stdin() {
      return process.stdin;
    },
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
  };
}
