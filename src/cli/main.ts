import { processIo } from './io.ts';
import { run } from './program.ts';

const code = await run(process.argv.slice(2), processIo());
// Exit now: the Engine API client keeps sockets alive, which would hold the process for minutes.
process.stdout.write('', () => process.exit(code));
