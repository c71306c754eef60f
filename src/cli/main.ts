import { processIo } from './io.ts';

const argv = process.argv.slice(2);
const io = processIo();
// A no-op `up` is answered before the rest of the CLI is even loaded (see up-fast.ts).
const fast = argv.includes('up')
  ? await (await import('./up-fast.ts')).alreadyConvergedByRecord(argv, io)
  : undefined;
const code = fast ?? (await (await import('./program.ts')).run(argv, io));
// Exit now: the Engine API client keeps sockets alive, which would hold the process for minutes.
process.stdout.write('', () => process.exit(code));
