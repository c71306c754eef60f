import { hostUsage } from '../drivers/host/usage.ts';
import { type Plan, planEnvironment, type RecordedAllocations } from '../plan/index.ts';
import { type Diagnostic, hasErrors, type LoadResult, place, type Spec } from '../spec/index.ts';
import { printDiagnostics } from './context.ts';
import { InvalidInput } from './errors.ts';
import type { Io } from './io.ts';

/**
 * The plan every command works from: the spec with the recorded allocations, the host's ports in
 * use and (when given) the secret names that are set; its diagnostics placed in the file.
 */
export async function planFromState(
  loaded: LoadResult & { spec: Spec },
  input: {
    recorded?: RecordedAllocations;
    secretNames?: { project: string; name: string }[];
    probeHost?: boolean;
  },
): Promise<{ plan: Plan; diagnostics: Diagnostic[] }> {
  const set = input.secretNames ? new Set(input.secretNames.map((s) => `${s.project}/${s.name}`)) : undefined;
  const plan = planEnvironment(loaded.spec, {
    ...(input.recorded ? { recorded: input.recorded } : {}),
    ...(input.probeHost === false ? {} : { host: await hostUsage(loaded.spec.server.host) }),
    ...(set ? { secretIsSet: (p: string, n: string) => set.has(`${p}/${n}`) } : {}),
  });
  return { plan, diagnostics: place([...loaded.diagnostics, ...plan.diagnostics], loaded.source) };
}

/** Prints the diagnostics; with any error, stops the command with exit 2 (`N errors in FILE`). */
export function reportDiagnostics(diagnostics: Diagnostic[], io: Io, file: string): void {
  printDiagnostics(diagnostics, io.errStyle, io.err);
  if (hasErrors(diagnostics)) {
    const count = diagnostics.filter((d) => d.severity === 'error').length;
    throw new InvalidInput(`${count} error${count === 1 ? '' : 's'} in ${file}`);
  }
}
