import type { Command } from 'commander';
import { secretRows } from '../../ops/secret-list.ts';
import { loadSpecFile } from '../../spec/index.ts';
import { InvalidInput } from '../errors.ts';
import type { Io } from '../io.ts';
import { displayPath, type GlobalOptions, specPath } from '../locations.ts';
import { openSecrets } from '../state.ts';
import { readSecretValue } from '../stdin.ts';
import { table } from '../style.ts';

export function registerSecrets(program: Command, io: Io): void {
  const secrets = program
    .command('secrets')
    .description('secret values (read from standard input) and their names');

  secrets
    .command('set')
    .description('store a secret value, read from standard input; `shared` is the shared stack’s project')
    .argument('<project>', 'the project (or shared)')
    .argument('<name>', 'the secret name, such as DJANGO_SECRET_KEY')
    .action(async (project: string, name: string) => {
      const globals = program.opts<GlobalOptions>();
      const path = specPath(undefined, globals, io.cwd);
      const value = await readSecretValue(io, `value for ${project}/${name}: `);
      if (value === '')
        throw new InvalidInput(
          `no value on standard input for ${project}/${name}: pipe it in, e.g. printf %s "$VALUE" | stagecraft secrets set ${project} ${name}`,
        );
      const store = await openSecrets(path, globals, io);
      try {
        await store.set(project, name, value).catch((e: Error) => {
          throw new InvalidInput(e.message);
        });
      } finally {
        await store.close?.();
      }
      io.out(`${io.style.green('✓')} set ${project}/${name} (${value.length} characters)`);
    });

  secrets
    .command('list')
    .description('secret names, whether each is set, and who uses it; never values')
    .argument('[project]', 'only this project')
    .option('--json', 'print JSON')
    .action(async (project: string | undefined, options: { json?: boolean }) => {
      const globals = program.opts<GlobalOptions>();
      const path = specPath(undefined, globals, io.cwd);
      // A spec with errors still lists what is stored: its errors are `validate`'s to report.
      const spec = loadSpecFile(path, io.env, displayPath(path, io.cwd)).spec;
      const store = await openSecrets(path, globals, io);
      const list = await secretRows(store, spec, project).finally(() => store.close?.());
      if (options.json) {
        io.out(JSON.stringify(list, null, 2));
        return;
      }
      if (!list.length) {
        io.out('no secrets');
        return;
      }
      io.out(
        table([
          ['PROJECT', 'NAME', 'STATUS', 'USED BY'],
          ...list.map((r) => [
            r.project,
            r.name,
            r.set ? io.style.green('set') : io.style.red('missing'),
            r.usedBy.join(', ') || io.style.dim('(not named by the spec)'),
          ]),
        ]),
      );
    });
}
