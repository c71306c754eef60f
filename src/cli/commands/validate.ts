import type { Command } from 'commander';
import { planEnvironment } from '../../plan/index.ts';
import { hasErrors, place } from '../../spec/index.ts';
import { displayPath, type GlobalOptions, loadOrExit, printDiagnostics, specPath } from '../context.ts';
import { InvalidInput } from '../errors.ts';
import type { Io } from '../io.ts';

/** Parse and check, including the resource budget; every problem at once, exit 2 on any error. */
export function registerValidate(program: Command, io: Io): void {
  program
    .command('validate')
    .description('parse and check a spec; errors as file:line:col: message, all at once')
    .argument('[spec]', 'the spec file (default ./staging.yaml)')
    .action((arg: string | undefined) => {
      const path = specPath(arg, program.opts<GlobalOptions>());
      const loaded = loadOrExit(path, io.errStyle, io.err);
      const plan = planEnvironment(loaded.spec);
      const diagnostics = place([...loaded.diagnostics, ...plan.diagnostics], loaded.source);
      printDiagnostics(diagnostics, io.errStyle, io.err);
      if (hasErrors(diagnostics)) {
        const count = diagnostics.filter((d) => d.severity === 'error').length;
        throw new InvalidInput(`${count} error${count === 1 ? '' : 's'} in ${displayPath(path)}`);
      }
      const services = loaded.spec.projects.reduce((n, p) => n + p.services.length, 0);
      io.out(
        `${io.style.green('✓')} ${displayPath(path)} is valid: ${loaded.spec.projects.length} project${loaded.spec.projects.length === 1 ? '' : 's'}, ${services} service${services === 1 ? '' : 's'}`,
      );
    });
}
