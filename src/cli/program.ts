import { Command, CommanderError } from 'commander';
import { EXIT_FAILED, EXIT_INVALID, EXIT_OK, InvalidInput, OperationFailed } from './errors.ts';
import type { Io } from './io.ts';

type Register = (program: Command, io: Io) => void;

/**
 * Each command's module (one per command), in the order help lists them. Only the
 * module of the command being run is loaded: together they load zod, yaml, dockerode and pg,
 * about a third of a second here before any command starts.
 */
const MODULES: [command: string, load: () => Promise<Register>][] = [
  ['validate', async () => (await import('./commands/validate.ts')).registerValidate],
  ['plan', async () => (await import('./commands/plan.ts')).registerPlan],
  ['render', async () => (await import('./commands/render.ts')).registerRender],
  ['secrets', async () => (await import('./commands/secrets.ts')).registerSecrets],
  ['schema', async () => (await import('./commands/schema.ts')).registerSchema],
  ['images', async () => (await import('./commands/images.ts')).registerImages],
  ['up', async () => (await import('./commands/up.ts')).registerUp],
  ['down', async () => (await import('./commands/down.ts')).registerDown],
  ['unlock', async () => (await import('./commands/unlock.ts')).registerUnlock],
  ['status', async () => (await import('./commands/status.ts')).registerStatus],
  ['logs', async () => (await import('./commands/logs.ts')).registerLogs],
  ['backup', async () => (await import('./commands/backup.ts')).registerBackup],
  ['backups', async () => (await import('./commands/backups.ts')).registerBackups],
  ['verify-restore', async () => (await import('./commands/verify-restore.ts')).registerVerifyRestore],
  ['restore', async () => (await import('./commands/restore.ts')).registerRestore],
  ['deploy', async () => (await import('./commands/deploy.ts')).registerDeploy],
  ['rollback', async () => (await import('./commands/rollback.ts')).registerRollback],
  ['preview', async () => (await import('./commands/preview.ts')).registerPreview],
  ['parity', async () => (await import('./commands/parity.ts')).registerParity],
  ['serve', async () => (await import('./commands/serve.ts')).registerServe],
  ['verify', async () => (await import('./commands/verify.ts')).registerVerify],
  ['gitops', async () => (await import('./commands/gitops.ts')).registerGitops],
  ['tokens', async () => (await import('./commands/tokens.ts')).registerTokens],
  ['certs', async () => (await import('./commands/certs.ts')).registerCerts],
];

/** The command `argv` runs (the first word that is not an option or a global option's value). */
export function commandOf(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--spec' || a === '--state') i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

/**
 * The program with the modules `argv` needs: its command's; none for a bare `--version`; every
 * one for help, no command or an unknown one (so that commander can list them).
 */
export async function buildProgram(io: Io, argv: readonly string[]): Promise<Command> {
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
  const command = commandOf(argv);
  const versionOnly = command === undefined && (argv.includes('--version') || argv.includes('-V'));
  const own = MODULES.filter(([name]) => name === command);
  const chosen = versionOnly ? [] : own.length ? own : MODULES;
  for (const register of await Promise.all(chosen.map(([, load]) => load()))) register(program, io);
  for (const c of program.commands) {
    c.exitOverride();
    c.configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
    for (const sub of c.commands)
      sub
        .exitOverride()
        .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  }
  return program;
}

/** Runs the CLI and returns its exit code; user mistakes never show a stack trace. */
export async function run(argv: string[], io: Io): Promise<number> {
  const program = await buildProgram(io, argv);
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
