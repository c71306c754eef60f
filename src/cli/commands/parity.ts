import type { Command } from 'commander';
import { stateLocation } from '../../ops/locations.ts';
import { compareParity, type ParityReport, type SecretDigests } from '../../ops/parity.ts';
import { secretDigests } from '../../ops/secret-digests.ts';
import { place, type Spec } from '../../spec/index.ts';
import { loadOrExit, printDiagnostics } from '../context.ts';
import { InvalidInput, OperationFailed } from '../errors.ts';
import type { Io } from '../io.ts';
import { displayPath, type GlobalOptions, specPath } from '../locations.ts';
import { openSecrets } from '../state.ts';
import { indent, type Style, table } from '../style.ts';

export function registerParity(program: Command, io: Io): void {
  program
    .command('parity')
    .description('the staging-vs-production table, and the differences that must not be there')
    .argument('<staging>', 'the staging spec')
    .argument('<production>', 'the production spec')
    .option('--json', 'print { rows, violations } as JSON for scripts')
    .action(async (stagingArg: string, productionArg: string, options: { json?: boolean }) => {
      const globals = program.opts<GlobalOptions>();
      const paths = [
        specPath(stagingArg, globals, io.cwd),
        specPath(productionArg, globals, io.cwd),
      ] as const;
      const [staging, production] = loadBoth(paths, io);
      const stagingSecrets = await storedDigests(paths[0], staging, globals, io);
      const productionSecrets = await storedDigests(paths[1], production, globals, io);
      const oneStore =
        JSON.stringify(stateLocation(paths[0], globals, io)) ===
        JSON.stringify(stateLocation(paths[1], globals, io));
      if (oneStore && Object.keys(stagingSecrets).length && Object.keys(productionSecrets).length)
        io.err(
          io.errStyle.yellow(
            'note: both specs read one secret store, so every secret both name has one value; keep each spec in its own folder, with no --state, STAGECRAFT_STATE or STAGECRAFT_DATABASE_URL',
          ),
        );
      const report = compareParity({ staging, production, stagingSecrets, productionSecrets });
      if (options.json) io.out(JSON.stringify(report, null, 2));
      else io.out(formatParity(report, staging.file, production.file, io.style));
      const n = report.violations.length;
      if (n)
        throw new OperationFailed(
          `${n} parity violation${n === 1 ? '' : 's'} between ${staging.file} and ${production.file}`,
        );
    });
}

/** Both specs, every error of both printed before exit 2; warnings printed too. */
function loadBoth(paths: readonly [string, string], io: Io): [Spec, Spec] {
  const specs: Spec[] = [];
  const failures: string[] = [];
  for (const path of paths) {
    try {
      const loaded = loadOrExit(path, io);
      printDiagnostics(place(loaded.diagnostics, loaded.source), io.errStyle, io.err);
      specs.push(loaded.spec);
    } catch (e) {
      if (!(e instanceof InvalidInput)) throw e;
      failures.push(e.message);
    }
  }
  if (failures.length) throw new InvalidInput(failures.join('; '));
  return [specs[0]!, specs[1]!];
}

/** The digests of the secrets in the store beside the spec at `path`. */
async function storedDigests(
  path: string,
  spec: Spec,
  globals: GlobalOptions,
  io: Io,
): Promise<SecretDigests> {
  const store = await openSecrets(path, globals, io);
  try {
    return await secretDigests(store, spec);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new OperationFailed(`reading the secrets of ${displayPath(path, io.cwd)}: ${message}`);
  } finally {
    await store.close();
  }
}

/** The table as people read it (the scope named once per group), then the violations. */
export function formatParity(
  report: ParityReport,
  stagingFile: string,
  productionFile: string,
  s: Style,
): string {
  const out: string[] = [s.bold(`Parity of ${stagingFile} (staging) and ${productionFile} (production)`), ''];
  const rows: string[][] = [['', 'ASPECT', 'STAGING', 'PRODUCTION']];
  report.rows.forEach((r, i) => {
    const first = i === 0 || report.rows[i - 1]!.scope !== r.scope;
    rows.push([first ? r.scope : '', r.aspect, r.staging, r.same ? r.production : s.cyan(r.production)]);
  });
  out.push(indent(table(rows)), '');
  if (!report.violations.length) {
    out.push(
      `${s.green('✓')} no violations: no shared secret value, domain, backup destination or server, and staging runs every service production runs`,
    );
    return out.join('\n');
  }
  out.push(s.bold(`Violations (${report.violations.length})`));
  for (const v of report.violations) {
    out.push(`  ${s.red('✗')} ${v.message} ${s.dim(`[${v.code}]`)}`);
    if (v.hint) out.push(`    ${s.dim(v.hint)}`);
  }
  return out.join('\n');
}
