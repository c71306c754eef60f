import { type Style, styleFor } from './style.ts';

/** Where a command writes; tests pass their own to capture output. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  style: Style;
  errStyle: Style;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** For live progress: redrawn in place when it is a terminal. */
  stderr: { isTTY?: boolean; write(s: string): unknown };
  env: NodeJS.ProcessEnv;
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
  };
}
