import { allRoutes, type Project, type Service, type Spec } from '../spec/index.ts';

/**
 * `stagecraft parity`: the staging-vs-production table of the robson seed ("Diferenças Staging vs
 * Production": replicas, CPU, memory, storage, retention, backups, TLS, domains) and the
 * differences that must not be there. Pure: secret values never reach it, only their SHA-256
 * digests, so nothing it returns can hold a value.
 */

/** One aspect of one scope (`server`, `shared`, a project, or `project/service`) on both sides. */
export interface ParityRow {
  scope: string;
  aspect: string;
  staging: string;
  production: string;
  same: boolean;
}

export type ParityCode =
  | 'environment.same'
  | 'server.shared'
  | 'secret.shared'
  | 'domain.shared'
  | 'backup.shared'
  | 'project.missing'
  | 'service.missing'
  | 'service.type';

export interface ParityViolation {
  code: ParityCode;
  message: string;
  hint?: string;
}

export interface ParityReport {
  rows: ParityRow[];
  violations: ParityViolation[];
}

/** `project/NAME` → SHA-256 of the value, lower-case hex (`shared/NAME` for the shared stack's). */
export type SecretDigests = Readonly<Record<string, string>>;

export interface ParityInput {
  staging: Spec;
  production: Spec;
  stagingSecrets: SecretDigests;
  productionSecrets: SecretDigests;
}

/** What a side shows for a thing it does not have. */
export const ABSENT = '—';

export function compareParity(input: ParityInput): ParityReport {
  const { staging, production } = input;
  return {
    rows: [...serverRows(staging, production, input), ...projectRows(staging, production)],
    violations: [
      ...environmentViolations(staging, production),
      ...serverViolations(staging, production),
      ...secretViolations(staging.file, input.stagingSecrets, input.productionSecrets),
      ...domainViolations(staging, production),
      ...backupViolations(staging, production),
      ...serviceViolations(staging, production),
    ],
  };
}

function row(scope: string, aspect: string, staging: string, production: string): ParityRow {
  return { scope, aspect, staging, production, same: staging === production };
}

function serverRows(s: Spec, p: Spec, input: ParityInput): ParityRow[] {
  const capacity = (spec: Spec) =>
    `${spec.server.capacity.cpus.toKubernetes()} CPUs, ${spec.server.capacity.memory.toString()}`;
  const prometheus = (spec: Spec) => {
    const m = spec.shared.monitoring.prometheus;
    return m === false ? 'off' : m.retention.toString();
  };
  const loki = (spec: Spec) => {
    const m = spec.shared.monitoring.loki;
    return m === false ? 'off' : m.retention.toString();
  };
  const count = (d: SecretDigests) => {
    const n = Object.keys(d).length;
    return `${n} value${n === 1 ? '' : 's'}`;
  };
  return [
    row('server', 'environment', s.environment, p.environment),
    row('server', 'host', s.server.host, p.server.host),
    row('server', 'capacity', capacity(s), capacity(p)),
    row('server', 'backup dir', s.server.backupDir, p.server.backupDir),
    row('server', 'secrets compared', count(input.stagingSecrets), count(input.productionSecrets)),
    row('shared', 'domain', s.server.domain ?? ABSENT, p.server.domain ?? ABSENT),
    row('shared', 'TLS', s.shared.proxy.tls, p.shared.proxy.tls),
    row('shared', 'metrics retention', prometheus(s), prometheus(p)),
    row('shared', 'log retention', loki(s), loki(p)),
  ];
}

/** Staging's names in its order, then those only production has. */
function union<T>(a: readonly T[], b: readonly T[], name: (t: T) => string): string[] {
  const names = a.map(name);
  for (const t of b) if (!names.includes(name(t))) names.push(name(t));
  return names;
}

function projectRows(s: Spec, p: Spec): ParityRow[] {
  const out: ParityRow[] = [];
  const hosts = (spec: Spec, project: string) => {
    if (!spec.projects.some((x) => x.name === project)) return ABSENT;
    const set = new Set(
      allRoutes(spec)
        .filter((r) => r.owner.startsWith(`${project}/`))
        .map((r) => r.host),
    );
    return set.size ? [...set].sort().join(', ') : 'none';
  };
  for (const name of union(s.projects, p.projects, (x) => x.name)) {
    const sp = s.projects.find((x) => x.name === name);
    const pp = p.projects.find((x) => x.name === name);
    out.push(row(name, 'domains', hosts(s, name), hosts(p, name)));
    for (const service of union(sp?.services ?? [], pp?.services ?? [], (x) => x.name)) {
      out.push(...serviceRows(`${name}/${service}`, find(sp, service), find(pp, service)));
    }
  }
  return out;
}

function find(project: Project | undefined, service: string): Service | undefined {
  return project?.services.find((x) => x.name === service);
}

function serviceRows(scope: string, s: Service | undefined, p: Service | undefined): ParityRow[] {
  const show = (svc: Service | undefined, value: (svc: Service) => string) => (svc ? value(svc) : ABSENT);
  const aspect = (name: string, value: (svc: Service) => string) =>
    row(scope, name, show(s, value), show(p, value));
  const out: ParityRow[] = [];
  if (s && p && s.type !== p.type) out.push(aspect('type', (x) => x.type));
  if (s?.type === 'cron' || p?.type === 'cron')
    out.push(aspect('schedule', (x) => (x.type === 'cron' ? x.schedule.toString() : 'none')));
  else out.push(aspect('replicas', (x) => String(x.replicas)));
  out.push(aspect('CPU', (x) => x.resources.cpus.toKubernetes()));
  out.push(aspect('memory', (x) => x.resources.memory.toString()));
  if (hasStorage(s) || hasStorage(p)) out.push(aspect('storage', (x) => storageOf(x)));
  if (s?.type === 'postgres' || p?.type === 'postgres') out.push(...backupRows(aspect));
  return out;
}

const hasStorage = (x: Service | undefined) =>
  x?.type === 'postgres' || x?.type === 'redis' || x?.type === 'rabbitmq';

function storageOf(x: Service): string {
  if (x.type === 'postgres' || x.type === 'redis' || x.type === 'rabbitmq')
    return x.storage?.toString() ?? 'unset';
  return 'none';
}

type Aspect = (name: string, value: (svc: Service) => string) => ParityRow;

function backupRows(aspect: Aspect): ParityRow[] {
  const backup = (x: Service) => (x.type === 'postgres' && x.backup ? x.backup : undefined);
  const rows = [
    aspect('backup schedule', (x) => backup(x)?.schedule.toString() ?? 'none'),
    aspect('backup retention', (x) => {
      const b = backup(x);
      return b ? keepText(b.keep) : 'none';
    }),
  ];
  const remote = aspect('remote backup', (x) => {
    const r = backup(x)?.remote;
    return r ? `${r.url}${r.endpoint ? ` at ${r.endpoint}` : ''}` : 'none';
  });
  if (remote.staging !== 'none' || remote.production !== 'none') {
    rows.push(remote);
    rows.push(
      aspect('remote retention', (x) => {
        const r = backup(x)?.remote;
        return r ? keepText(r.keep) : 'none';
      }),
    );
  }
  return rows;
}

function keepText(keep: { daily: number; weekly: number; monthly: number }): string {
  const parts = (['daily', 'weekly', 'monthly'] as const)
    .filter((k) => keep[k] > 0)
    .map((k) => `${keep[k]} ${k}`);
  return parts.length ? parts.join(', ') : 'none kept';
}

function environmentViolations(s: Spec, p: Spec): ParityViolation[] {
  if (s.environment !== p.environment) return [];
  return [
    {
      code: 'environment.same',
      message: `both specs say environment: ${s.environment}, so their metrics, logs and resources carry the same environment label`,
      hint: 'give the production spec environment: production',
    },
  ];
}

/** `ssh://user@host:port` → `host:port` (the user does not make it another machine); `local` → none. */
export function serverOf(host: string): string | undefined {
  const m = /^ssh:\/\/(?:[^@/\s]+@)?([^@/\s:]+)(?::(\d+))?$/.exec(host);
  return m ? `${m[1]!.toLowerCase()}:${m[2] ?? '22'}` : undefined;
}

/**
 * `local` names no machine (it is wherever the command runs), so two `local` specs are not known to
 * share a server. Two environments on one Docker engine would: the objects are named
 * `shared-<service>` and `<project>-<service>` in both, and both proxies publish on the same ports.
 */
function serverViolations(s: Spec, p: Spec): ParityViolation[] {
  const server = serverOf(s.server.host);
  if (!server || server !== serverOf(p.server.host)) return [];
  return [
    {
      code: 'server.shared',
      message: `staging (${s.server.host}) and production (${p.server.host}) are the same server: their shared stacks and projects would replace each other's containers, networks and ports`,
      hint: 'run staging on its own server',
    },
  ];
}

function secretViolations(
  stagingFile: string,
  staging: SecretDigests,
  production: SecretDigests,
): ParityViolation[] {
  const byDigest = new Map<string, string[]>();
  for (const [name, digest] of Object.entries(staging)) {
    const key = digest.toLowerCase();
    byDigest.set(key, [...(byDigest.get(key) ?? []), name]);
  }
  const shared = new Map<string, string[]>();
  for (const [name, digest] of Object.entries(production)) {
    const key = digest.toLowerCase();
    if (byDigest.has(key)) shared.set(key, [...(shared.get(key) ?? []), name]);
  }
  return [...shared].map(([digest, inProduction]) => {
    const inStaging = byDigest.get(digest)!.sort();
    inProduction.sort();
    const first = inStaging[0]!;
    const [project, name] = [first.slice(0, first.indexOf('/')), first.slice(first.indexOf('/') + 1)];
    return {
      code: 'secret.shared',
      message: `staging's ${inStaging.join(', ')} ${inStaging.length === 1 ? 'has' : 'have'} the same value as production's ${inProduction.join(', ')}`,
      hint: `give staging a value of its own: stagecraft --spec ${stagingFile} secrets set ${project} ${name}`,
    };
  });
}

function domainViolations(s: Spec, p: Spec): ParityViolation[] {
  const owners = (spec: Spec) => {
    const m = new Map<string, Set<string>>();
    for (const r of allRoutes(spec)) m.set(r.host, (m.get(r.host) ?? new Set()).add(r.owner));
    return m;
  };
  const inStaging = owners(s);
  const inProduction = owners(p);
  const out: ParityViolation[] = [];
  for (const [host, stagingOwners] of inStaging) {
    const productionOwners = inProduction.get(host);
    if (!productionOwners) continue;
    out.push({
      code: 'domain.shared',
      message: `${host} is served by both: ${[...stagingOwners].join(', ')} in staging and ${[...productionOwners].join(', ')} in production`,
      hint: 'give staging its own subdomain, such as staging.<domain>',
    });
  }
  return out;
}

/** One path equal to the other or inside it (on `/` boundaries): one side's pruning reaches the other's files. */
function overlaps(a: string, b: string): boolean {
  const norm = (x: string) => (x.endsWith('/') ? x : `${x}/`);
  return norm(a).startsWith(norm(b)) || norm(b).startsWith(norm(a));
}

interface Remote {
  owner: string;
  url: string;
  endpoint: string;
}

function remotes(spec: Spec): Remote[] {
  const out: Remote[] = [];
  for (const project of spec.projects)
    for (const x of project.services)
      if (x.type === 'postgres' && x.backup && x.backup.remote)
        out.push({
          owner: `${project.name}/${x.name}`,
          url: x.backup.remote.url,
          endpoint: x.backup.remote.endpoint ?? 'the default S3 endpoint',
        });
  return out;
}

function backupViolations(s: Spec, p: Spec): ParityViolation[] {
  const out: ParityViolation[] = [];
  const server = serverOf(s.server.host);
  if (server && server === serverOf(p.server.host) && overlaps(s.server.backupDir, p.server.backupDir)) {
    out.push({
      code: 'backup.shared',
      message: `staging keeps its backups in ${s.server.backupDir} and production in ${p.server.backupDir} on the same server (${server}): staging's retention would prune production's backups`,
      hint: 'give staging its own server.backupDir',
    });
  }
  for (const a of remotes(s))
    for (const b of remotes(p))
      if (a.endpoint === b.endpoint && overlaps(a.url, b.url))
        out.push({
          code: 'backup.shared',
          message: `staging's ${a.owner} copies its backups to ${a.url} and production's ${b.owner} to ${b.url} on ${a.endpoint}`,
          hint: 'give staging its own bucket, as the seed does (rbx-backup-staging vs rbx-backup-production)',
        });
  return out;
}

function serviceViolations(s: Spec, p: Spec): ParityViolation[] {
  const out: ParityViolation[] = [];
  for (const pp of p.projects) {
    const sp = s.projects.find((x) => x.name === pp.name);
    if (!sp) {
      out.push({
        code: 'project.missing',
        message: `production runs project ${pp.name} (${pp.services.map((x) => x.name).join(', ')}), which staging lacks`,
        hint: `add project ${pp.name} to the staging spec, with smaller resources if need be`,
      });
      continue;
    }
    for (const pv of pp.services) {
      const sv = find(sp, pv.name);
      if (!sv)
        out.push({
          code: 'service.missing',
          message: `production runs ${pp.name}/${pv.name} (${pv.type}), which staging lacks`,
          hint: `add ${pv.name} to project ${pp.name} in the staging spec`,
        });
      else if (sv.type !== pv.type)
        out.push({
          code: 'service.type',
          message: `${pp.name}/${pv.name} is a ${pv.type} in production but a ${sv.type} in staging`,
        });
    }
  }
  return out;
}
