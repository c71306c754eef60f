import { Command, CommanderError } from 'commander';
import { registerBackup } from './commands/backup.ts';
import { registerImages } from './commands/images.ts';
import { registerParity } from './commands/parity.ts';
import { registerPlan } from './commands/plan.ts';
import { registerRender } from './commands/render.ts';
import { registerRollback } from './commands/rollback.ts';
import { registerSchema } from './commands/schema.ts';
import { registerSecrets } from './commands/secrets.ts';
import { registerServe } from './commands/serve.ts';
import { registerUp } from './commands/up.ts';
import { registerValidate } from './commands/validate.ts';
import { registerVerify } from './commands/verify.ts';
import { EXIT_FAILED, EXIT_INVALID, EXIT_OK, InvalidInput, OperationFailed } from './errors.ts';
import type { Io } from './io.ts';

export function buildProgram(io: Io): Command {
  const program = new Command('stagecraft')
    .description('One staging.yaml in, a converged multi-project staging server out.')
    .version('0.1.0')
    .option('--spec <path>', 'the spec file (default ./staging.yaml)')
    .option(
      '--state <path>',
      'the state database (default .stagecraft/state.db beside the spec; or STAGECRAFT_STATE)',
    )
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride();
  registerValidate(program, io);
  registerPlan(program, io);
  registerRender(program, io);
  registerSecrets(program, io);
  registerSchema(program, io);
  registerImages(program, io);
  registerUp(program, io);
  registerBackup(program, io);
  registerRollback(program, io);
  registerParity(program, io);
  registerServe(program, io);
  registerVerify(program, io);
  for (const command of program.commands) {
    command.exitOverride();
    command.configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
    for (const sub of command.commands)
      sub
        .exitOverride()
        .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  }
  return program;
}

/** Runs the CLI and returns its exit code; user mistakes never show a stack trace. */
export async function run(argv: string[], io: Io): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT_OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version')
        return EXIT_OK;
      return EXIT_INVALID;
    }
    if (e instanceof InvalidInput) {
      io.err(io.errStyle.red(`error: ${e.message}`));
      return EXIT_INVALID;
    }
    if (e instanceof OperationFailed) {
      io.err(io.errStyle.red(`error: ${e.message}`));
      return EXIT_FAILED;
    }
    const message = e instanceof Error ? e.message : String(e);
    io.err(io.errStyle.red(`error: ${message}`));
    if (io.env.STAGECRAFT_DEBUG && e instanceof Error && e.stack) io.err(e.stack);
    return EXIT_FAILED;
  }
}
