import type { Command } from 'commander';
import { serverDirFor } from '../../ops/locations.ts';
import { formatBytes, isolationMatrix, type Plan, planToJson } from '../../plan/index.ts';
import { driftIfUp, driftLines } from '../drift.ts';
import type { Io } from '../io.ts';
import { displayPath, type GlobalOptions, specPath } from '../locations.ts';
import { planFromState, reportDiagnostics } from '../planning.ts';
import { loadWithPreviews } from '../previews.ts';
import { openSecrets, readRecorded } from '../state.ts';
import { bar, indent, type Style, table } from '../style.ts';

export function registerPlan(program: Command, io: Io): void {
  program
    .command('plan')
    .description(
      'allocations, budget, cost split, isolation matrix, changes against the recorded state, and drift on the engine',
    )
    .argument('[spec]', 'the spec file (default ./staging.yaml)')
    .option('--json', 'print the plan as JSON for scripts')
    .action(async (arg: string | undefined, options: { json?: boolean }) => {
      const globals = program.opts<GlobalOptions>();
      const path = specPath(arg, globals, io.cwd);
      const shown = displayPath(path, io.cwd);
      const loaded = await loadWithPreviews(path, io, globals);
      const recorded = await readRecorded(path, globals, io);
      const secrets = await openSecrets(path, globals, io);
      const secretNames = await secrets.list();
      await secrets.close();
      const { plan, diagnostics } = await planFromState(loaded, { recorded, secretNames });
      // The engine's view is an input gathered here: the plan itself stays pure.
      const drift = await driftIfUp({
        spec: loaded.spec,
        plan,
        serverDir: serverDirFor(path, globals, io),
        env: io.env,
      });
      if (options.json) io.out(JSON.stringify({ ...planToJson(plan), ...(drift ? { drift } : {}) }, null, 2));
      else {
        io.out(formatPlan(plan, shown, io.style));
        if (drift) io.out(['', ...driftLines(drift, io.style)].join('\n'));
      }
      reportDiagnostics(diagnostics, io, shown);
    });
}

/** The plan as people read it: allocations, budget bars, cost, changes. */
export function formatPlan(plan: Plan, file: string, s: Style): string {
  const { spec, budget } = plan;
  const services = spec.projects.reduce((n, p) => n + p.services.length, 0);
  const out: string[] = [];
  out.push(
    s.bold(
      `Plan for ${spec.environment} from ${file}: ${spec.projects.length} projects, ${services} services`,
    ),
    '',
  );

  out.push(s.bold('Allocations'));
  const rows: string[][] = [['PROJECT', 'NETWORK', 'SERVICE', 'TYPE', 'HOST PORT', 'ADDRESSES']];
  for (const p of spec.projects) {
    const a = plan.allocations[p.name];
    p.services.forEach((svc, i) => {
      const addresses = a
        ? Object.entries(a.addresses)
            .filter(
              ([k]) =>
                k === svc.name ||
                (k.startsWith(`${svc.name}-`) && /^\d+$/.test(k.slice(svc.name.length + 1))),
            )
            .map(([, ip]) => ip)
        : [];
      const port = a?.ports[svc.name];
      rows.push([
        i === 0 ? p.name : '',
        i === 0 ? (a?.subnet ?? '-') : '',
        svc.name,
        svc.type === 'app'
          ? `app ×${svc.replicas}`
          : svc.replicas > 1
            ? `${svc.type} ×${svc.replicas}`
            : svc.type,
        port ? `127.0.0.1:${port}` : '',
        addresses.join(', '),
      ]);
    });
  }
  out.push(indent(table(rows)), '');

  const cpuRatio = budget.cpus.used / budget.cpus.available;
  const memRatio = budget.memory.used / budget.memory.available;
  out.push(
    s.bold(
      `Budget (capacity - reserve: ${round(budget.cpus.available)} CPUs, ${formatBytes(budget.memory.available)})`,
    ),
  );
  // Red above what the overcommit allows; yellow above 100% of it when overcommitted, else above 85%.
  const colour = (r: number, overcommit = 1) =>
    r > overcommit ? s.red : r > (overcommit > 1 ? 1 : 0.85) ? s.yellow : s.green;
  const upTo = (overcommit: number, limit: string) =>
    overcommit > 1 ? `, up to ${limit} (${overcommit}× overcommit)` : '';
  const budgetRows = [
    [
      'CPUs',
      colour(cpuRatio, budget.cpus.overcommit)(bar(cpuRatio)),
      pct(cpuRatio),
      `${round(budget.cpus.used)} / ${round(budget.cpus.available)}` +
        upTo(budget.cpus.overcommit, `${round(budget.cpus.available * budget.cpus.overcommit)}`),
    ],
    [
      'memory',
      colour(memRatio, budget.memory.overcommit)(bar(memRatio)),
      pct(memRatio),
      `${formatBytes(budget.memory.used)} / ${formatBytes(budget.memory.available)}` +
        upTo(budget.memory.overcommit, formatBytes(budget.memory.available * budget.memory.overcommit)),
    ],
  ];
  if (budget.disk) {
    const r = budget.disk.used / budget.disk.available;
    budgetRows.push([
      'disk',
      colour(r)(bar(r)),
      pct(r),
      `${formatBytes(budget.disk.used)} / ${formatBytes(budget.disk.available)}`,
    ]);
  }
  out.push(indent(table(budgetRows, new Set([2]))));
  const quotas = Object.keys(budget.quotas).length > 0;
  const perProject = [
    ['', 'CPUs', 'MEMORY', 'COST', ...(quotas ? ['QUOTA'] : [])],
    [
      'shared stack',
      `${round(budget.shared.cpus / 1000)}`,
      formatBytes(budget.shared.bytes),
      money(plan.cost?.shared, plan.cost?.currency),
    ],
  ];
  for (const [name, u] of Object.entries(budget.projects)) {
    const q = budget.quotas[name];
    const quota = [
      q?.cpus === undefined ? '' : `${round(q.cpus / 1000)} CPU${q.cpus === 1000 ? '' : 's'}`,
      q?.bytes === undefined ? '' : formatBytes(q.bytes),
    ];
    perProject.push([
      name,
      `${round(u.cpus / 1000)}`,
      formatBytes(u.bytes),
      money(plan.cost?.projects[name], plan.cost?.currency),
      ...(quotas ? [quota.filter((x) => x !== '').join(', ')] : []),
    ]);
  }
  out.push('', indent(table(perProject, new Set([1, 2, 3]))));
  if (plan.cost)
    out.push(
      indent(
        s.dim(`cost: ${plan.cost.currency} ${plan.cost.monthly}/month, split by reserved CPU and memory`),
      ),
    );
  out.push('');

  const matrix = isolationMatrix(spec);
  const allowed = matrix.filter((e) => e.allowed).length;
  out.push(
    `${s.bold('Isolation')}: ${allowed} paths allowed, ${matrix.length - allowed} denied (plan --json lists them)`,
    '',
  );

  const added = plan.diff.projects.filter((p) => p.change === 'add').map((p) => p.name);
  const removed = plan.diff.projects.filter((p) => p.change === 'remove').map((p) => p.name);
  const containersAdded = plan.diff.containers.filter((c) => c.change === 'add').length;
  const containersRemoved = plan.diff.containers.filter((c) => c.change === 'remove').length;
  out.push(s.bold('Changes against the recorded state'));
  if (
    !added.length &&
    !removed.length &&
    !containersAdded &&
    !containersRemoved &&
    !plan.diff.allocations.length
  )
    out.push('  none');
  if (added.length) out.push(s.green(`  + projects: ${added.join(', ')}`));
  if (removed.length) out.push(s.red(`  - projects: ${removed.join(', ')} (their volumes are kept)`));
  if (containersAdded) out.push(s.green(`  + ${containersAdded} containers`));
  if (containersRemoved) out.push(s.red(`  - ${containersRemoved} containers`));
  const moved = plan.diff.allocations.filter((a) => a.from !== undefined);
  for (const m of moved) out.push(s.yellow(`  ~ ${m.project} ${m.what}: ${m.from} → ${m.to}`));
  return out.join('\n');
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

function pct(r: number): string {
  return `${Math.round(r * 100)}%`;
}

function money(n: number | undefined, currency: string | undefined): string {
  return n === undefined ? '' : `${n.toFixed(2)} ${currency ?? ''}`.trim();
}
