import { readFileSync } from 'node:fs';
import { listOwnedOnSocket } from '../drivers/docker/socket.ts';
import { readyWhileStarting } from '../drivers/readiness.ts';
import { openStore } from '../state/store.ts';
import { isConverged } from './converged.ts';
import { checkTargets, type RouteCheck, routeFailures } from './route-checks.ts';
import { inputsKey, readUpRecord, unchangedSince } from './up-record.ts';

/**
 * `up` when nothing changed since the last converged `up`: same spec text, variables, allocations,
 * secret files, layout files and stagecraft, every container as it was wanted, every route
 * answering. Then each project in scope gets its `up` event, and the record's warnings and the
 * route checks come back for the caller to print. It loads none of the schema, planner, renderers
 * or engine client, which is what makes a no-op `up` fast. Undefined whenever it cannot tell for
 * sure, or something is to do: then the full `up` runs (and says why things fail).
 */
export async function upIfUnchanged(input: {
  specPath: string;
  /** The state file (a state in PostgreSQL has no up record). */
  statePath: string;
  recordPath: string;
  serverDir: string;
  env: Readonly<Record<string, string | undefined>>;
  project: string | undefined;
}): Promise<{ warnings: string[]; checks: RouteCheck[] } | undefined> {
  const record = readUpRecord(input.recordPath);
  if (!record) return undefined;
  const { project, serverDir } = input;
  if (project && !record.projects.includes(project)) return undefined;
  if (!unchangedSince('', record.inputFiles) || !unchangedSince(serverDir, record.layout)) return undefined;
  const inScope = (p: string) => !project || p === project;
  // The engine and the routes are asked at once; the answers count only if the inputs match.
  // A route is tried once: one that fails sends the full `up` to find out why.
  const owned = listOwnedOnSocket(record.host, input.env, record.environment);
  const checks = checkTargets(
    record.routes.filter((r) => inScope(r.project)),
    1,
  );
  const store = await openStore({ path: input.statePath });
  try {
    const key = inputsKey({
      specPath: input.specPath,
      specText: readFileSync(input.specPath, 'utf8'),
      env: input.env,
      envNames: record.envNames,
      serverDir,
      allocations: await store.loadAllocations(),
    });
    const running = await owned;
    if (key !== record.key || !running) return undefined;
    const ready = await readyWhileStarting(running);
    const answered = await checks;
    if (!isConverged(record.wanted, running, project, ready)) return undefined;
    if (routeFailures(answered).length) return undefined;
    for (const p of record.projects.filter(inScope))
      await store.addEvent({
        project: p,
        kind: 'up',
        message: 'converged',
        data: { touched: [], unchanged: true },
      });
    return { warnings: record.warnings, checks: answered };
  } finally {
    await store.close();
  }
}
