import type { Io } from './io.ts';

/**
 * A secret value from standard input. On a terminal it prompts without echo; from a pipe it reads
 * everything and drops one trailing newline (so `echo value |` works).
 */
export async function readSecretValue(io: Io, prompt: string): Promise<string> {
  const stdin = io.stdin as NodeJS.ReadStream;
  if (stdin.isTTY && typeof stdin.setRawMode === 'function') {
    io.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    let value = '';
    try {
      for await (const chunk of stdin) {
        for (const ch of String(chunk)) {
          if (ch === '\r' || ch === '\n') return value;
          if (ch === '\u0003') throw new Error('cancelled');
          if (ch === '\u007f') value = value.slice(0, -1);
          else value += ch;
        }
      }
    } finally {
      stdin.setRawMode(false);
      stdin.pause();
      io.stderr.write('\n');
    }
    return value;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}
