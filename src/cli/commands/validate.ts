import type { Command } from 'commander';
import { loadOrExit } from '../context.ts';
import type { Io } from '../io.ts';
import { displayPath, type GlobalOptions, specPath } from '../locations.ts';
import { planFromState, reportDiagnostics } from '../planning.ts';

/** Parse and check, including the resource budget; every problem at once, exit 2 on any error. */
export function registerValidate(program: Command, io: Io): void {
  program
    .command('validate')
    .description('parse and check a spec; errors as file:line:col: message, all at once')
    .argument('[spec]', 'the spec file (default ./staging.yaml)')
    .action(async (arg: string | undefined) => {
      const path = specPath(arg, program.opts<GlobalOptions>(), io.cwd);
      const shown = displayPath(path, io.cwd);
      const loaded = loadOrExit(path, io);
      const { diagnostics } = await planFromState(loaded, { probeHost: false });
      reportDiagnostics(diagnostics, io, shown);
      const services = loaded.spec.projects.reduce((n, p) => n + p.services.length, 0);
      io.out(
        `${io.style.green('✓')} ${shown} is valid: ${loaded.spec.projects.length} project${loaded.spec.projects.length === 1 ? '' : 's'}, ${services} service${services === 1 ? '' : 's'}`,
      );
    });
}
