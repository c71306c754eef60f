import type { ChildProcess } from 'node:child_process';

/** What a child process has printed so far, and a wait for content in it instead of for a time. */
export interface ChildOutput {
  readonly out: string;
  readonly err: string;
  /** The exit code, once the child has exited and its output is read to the end. */
  readonly closed: Promise<number | null>;
  /** Resolves when stdout (or stderr) matches; rejects, with what was printed, at the deadline or on exit. */
  until(pattern: RegExp, options?: { stream?: 'out' | 'err'; timeoutMs?: number }): Promise<void>;
}

export function childOutput(child: ChildProcess): ChildOutput {
  const text = { out: '', err: '' };
  let exited = false;
  const waiters = new Set<() => void>();
  const changed = () => {
    for (const w of [...waiters]) w();
  };
  child.stdout?.on('data', (b) => {
    text.out += String(b);
    changed();
  });
  child.stderr?.on('data', (b) => {
    text.err += String(b);
    changed();
  });
  const closed = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      exited = true;
      changed();
      resolve(code);
    }),
  );
  return {
    get out() {
      return text.out;
    },
    get err() {
      return text.err;
    },
    closed,
    until(pattern, { stream = 'out', timeoutMs = 30_000 } = {}) {
      return new Promise((resolve, reject) => {
        const printed = () => `stdout:\n${text.out}\nstderr:\n${text.err}`;
        const done = (error?: Error) => {
          clearTimeout(timer);
          waiters.delete(check);
          if (error) reject(error);
          else resolve();
        };
        const check = () => {
          if (pattern.test(text[stream])) done();
          else if (exited) done(new Error(`exited before printing ${pattern}\n${printed()}`));
        };
        const timer = setTimeout(
          () => done(new Error(`nothing matched ${pattern} within ${timeoutMs} ms\n${printed()}`)),
          timeoutMs,
        );
        waiters.add(check);
        check();
      });
    },
  };
}
