import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import type Docker from 'dockerode';
import { isLocalEngine } from '../../drivers/docker/client.ts';
import { demux, ownedContainers, removeContainer, toOwned } from '../../drivers/docker/engine.ts';
import { listOwnedOnSocket } from '../../drivers/docker/socket.ts';
import { readyWhileStarting } from '../../drivers/readiness.ts';
import { LABEL } from '../../model/index.ts';
import { lostCredentials } from '../../ops/lost-credentials.ts';
import { buildContexts, preflight, preflightOptions } from '../../ops/preflight/index.ts';
import { recordRelease } from '../../ops/releases.ts';
import { checkTargets, routeFailures, routeTargets } from '../../ops/route-checks.ts';
import {
  isConvergedToSpec,
  type Prepared,
  prepareServer,
  type UpResult,
  up,
  wantedContainers,
  wantedStacks,
} from '../../ops/up.ts';
import { inputFiles, inputsKey, stampFiles, stampTree, writeUpRecord } from '../../ops/up-record.ts';
import type { Plan } from '../../plan/index.ts';
import { rowsToRecorded } from '../../plan/index.ts';
import { formatDiagnostic, type Spec } from '../../spec/index.ts';
import { displayPath, type GlobalOptions, loadOrExit, specPath } from '../context.ts';
import { connect } from '../environment.ts';
import { InvalidInput, OperationFailed } from '../errors.ts';
import type { Io } from '../io.ts';
import { secretsDirFor, serverDirFor, stateLocation, upRecordPath } from '../locations.ts';
import { planFromState, reportDiagnostics } from '../planning.ts';
import { progressFor } from '../progress.ts';
import { openSecrets, openState } from '../state.ts';
import { table } from '../style.ts';
import { checkLines, convergedLine } from '../up-output.ts';

/**
 * The no-op path of the full `up`: when no file of the layout changed and one look at the local
 * engine shows every container as the spec wants it, only the routes are tried, and the full
 * engine client is never loaded. Undefined when there is something to do (or the engine is not a
 * local socket). (`up-fast.ts` gets there sooner, without the spec, when nothing changed at all.)
 */
async function alreadyConverged(
  spec: Spec,
  plan: Plan,
  serverDir: string,
  prepared: Prepared,
  project: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<UpResult | undefined> {
  if (prepared.changed.length || prepared.removed.length) return undefined;
  const owned = await listOwnedOnSocket(spec.server.host, env, spec.environment);
  if (!owned) return undefined;
  const stacks = wantedStacks({ spec, plan });
  const ready = await readyWhileStarting(owned);
  if (!isConvergedToSpec({ spec, plan }, serverDir, owned, project, stacks, ready)) return undefined;
  const projects = spec.projects.filter((p) => !project || p.name === project);
  const checks = await checkTargets(routeTargets(spec, plan, projects));
  return { stacks: stacks.projects, touched: [], removed: [], failed: routeFailures(checks), checks };
}

/** The environment, recording which variables are read (those the spec names go into the up record's key). */
function recordingEnv(env: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv; read: Set<string> } {
  const read = new Set<string>();
  const proxy = new Proxy(env, {
    get(target, name) {
      if (typeof name === 'string') read.add(name);
      return Reflect.get(target, name);
    },
  });
  return { env: proxy, read };
}

export function registerUp(program: Command, io: Io): void {
  program
    .command('up')
    .description('converge the server to the spec, phase by phase, with health gates')
    .argument('[spec]', 'the spec file (default ./staging.yaml)')
    .option('--project <name>', 'only this project (and the shared stack)')
    .action(async (arg: string | undefined, options: { project?: string }) => {
      const globals = program.opts<GlobalOptions>();
      const path = specPath(arg, globals);
      const specText = readFileSync(path, 'utf8');
      const specEnv = recordingEnv(io.env);
      const loaded = loadOrExit(path, io.errStyle, io.err, specEnv.env);
      let spec = loaded.spec;
      if (options.project && !spec.projects.some((p) => p.name === options.project))
        throw new InvalidInput(`no project ${options.project} in the spec`);
      const store = await openState(path, globals, io.env);
      const secrets = await openSecrets(path, globals, io.env);
      const started = Date.now();
      try {
        const recorded = rowsToRecorded(await store.loadAllocations());
        const { plan, diagnostics } = await planFromState(loaded, {
          recorded,
          secretNames: await secrets.list(),
        });
        reportDiagnostics(diagnostics, io, displayPath(path));
        const progress = progressFor(io.stderr, io.errStyle.dim);
        const log = (line: string) => progress.step(line);
        const serverDir = serverDirFor(path, globals, io.env);
        let docker: Promise<Docker> | undefined;
        const engine = () => {
          docker ??= connect(spec.server.host, io);
          return docker;
        };
        const lost = await lostCredentials(spec, secrets, engine);
        if (lost.length) throw new OperationFailed(`nothing was changed:\n${lost.join('\n')}`);
        const checked = await preflight(
          spec,
          plan,
          preflightOptions({ docker: await engine(), secrets, log, ...options }),
        );
        spec = checked.spec;
        const prepared = await prepareServer(spec, plan, { store, secrets, serverDir, log });
        const result =
          (await alreadyConverged(spec, plan, serverDir, prepared, options.project, io.env)) ??
          (await up(spec, plan, {
            docker: await engine(),
            store,
            secrets,
            serverDir,
            prepared,
            ...(options.project ? { project: options.project } : {}),
            log,
          }));
        progress.done();
        for (const p of spec.projects.filter((x) => !options.project || x.name === options.project)) {
          const failed = result.failed.find((f) => f.project === p.name);
          const stack = result.stacks.get(p.name);
          if (stack)
            await recordRelease(store, p.name, stack, {
              ...(failed ? { failed: failed.reason } : {}),
              digests: checked.digests,
            });
          await store.addEvent({
            project: p.name,
            kind: 'up',
            message: failed ? `failed: ${failed.reason}` : 'converged',
            data: { touched: result.touched.filter((n) => n.startsWith(`${p.name}-`)) },
          });
        }
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        for (const line of checkLines(result.checks, io.style)) io.out(line);
        if (result.failed.length)
          throw new OperationFailed(result.failed.map((f) => `${f.project}: ${f.reason}`).join('\n'));
        const location = stateLocation(path, globals, io.env);
        const recordPath = upRecordPath(location);
        // Only when the spec is still the text this run converged to.
        if (recordPath && readFileSync(path, 'utf8') === specText)
          writeUpRecord(recordPath, {
            key: inputsKey({
              specPath: path,
              specText,
              env: io.env,
              envNames: [...specEnv.read],
              serverDir,
              allocations: await store.loadAllocations(),
            }),
            envNames: [...specEnv.read].sort(),
            inputFiles: [
              ...inputFiles(secretsDirFor(path, location)),
              ...buildContexts(spec).flatMap(stampTree),
            ],
            environment: spec.environment,
            host: spec.server.host,
            projects: spec.projects.map((p) => p.name),
            warnings: diagnostics.map(formatDiagnostic),
            layout: stampFiles(serverDir, prepared.files),
            wanted: wantedContainers(serverDir, wantedStacks({ spec, plan })),
            routes: routeTargets(spec, plan, spec.projects),
          });
        io.out(convergedLine(seconds, result.touched.length, result.removed.length, io.style));
      } finally {
        await secrets.close();
        await store.close();
      }
    });

  program
    .command('down')
    .description('stop and remove the environment’s containers; data volumes stay unless --volumes')
    .argument('[project]', 'only this project')
    .option('--volumes', 'also delete the data volumes')
    .action(async (project: string | undefined, options: { volumes?: boolean }) => {
      const globals = program.opts<GlobalOptions>();
      const path = specPath(undefined, globals);
      const spec = loadOrExit(path, io.errStyle, io.err).spec;
      const docker = await connect(spec.server.host, io);
      const containers = await ownedContainers(docker, spec.environment, project);
      await Promise.all(containers.map((c) => removeContainer(docker, c.id)));
      let volumes = 0;
      if (options.volumes) {
        // The spec's own projects only, and never a volume another environment labelled as its own
        // (volumes made before they carried the environment label are matched by project).
        const projects = project ? [project] : ['shared', ...spec.projects.map((p) => p.name)];
        for (const p of projects) {
          const filters = { label: [`${LABEL.project}=${p}`] };
          for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) {
            const owner = v.Labels?.[LABEL.environment];
            if (owner && owner !== spec.environment) continue;
            await docker.getVolume(v.Name).remove();
            volumes++;
          }
        }
      }
      if (!project) {
        for (const n of await docker.listNetworks({
          filters: { label: [`${LABEL.environment}=${spec.environment}`] },
        })) {
          await docker
            .getNetwork(n.Id)
            .remove()
            .catch(() => {});
        }
      }
      io.out(
        `${io.style.green('✓')} removed ${containers.length} containers${options.volumes ? ` and ${volumes} volumes` : '; data volumes kept (--volumes deletes them)'}`,
      );
    });

  program
    .command('status')
    .description('every service: state, health, image, ports, routes')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const globals = program.opts<GlobalOptions>();
      const path = specPath(undefined, globals);
      const spec = loadOrExit(path, io.errStyle, io.err).spec;
      const docker = await connect(spec.server.host, io);
      const store = await openState(path, globals, io.env);
      const releases = await store.listReleases();
      const backups = await store.listBackups();
      await store.close();
      const listed = await docker.listContainers({
        all: true,
        filters: { label: [`${LABEL.environment}=${spec.environment}`] },
      });
      // Until the engine's first check, a service may already answer (up's gate passed on that).
      const answering = isLocalEngine(docker)
        ? await readyWhileStarting(listed.map(toOwned))
        : new Set<string>();
      const rows = listed.map((c) => {
        const owned = toOwned(c);
        const project = c.Labels[LABEL.project] ?? '';
        const service = c.Labels[LABEL.service] ?? '';
        const p = spec.projects.find((x) => x.name === project);
        const s = p?.services.find((x) => x.name === service);
        const last = releases.filter((r) => r.project === project).at(-1);
        return {
          project,
          service,
          replica: owned.name,
          state: owned.state,
          health: owned.health ?? null,
          ...(owned.health === 'starting' ? { answers: answering.has(owned.name) } : {}),
          image: owned.image,
          digest: last?.digests?.[service] ?? c.ImageID,
          ports: c.Ports.filter((x) => x.PublicPort).map((x) => `${x.IP}:${x.PublicPort}`),
          routes: s?.type === 'app' ? s.resolvedRoutes.map((r) => `${r.host}${r.path}`) : [],
          lastRelease: last ? { status: last.status, at: last.createdAt } : null,
          lastBackup: c.Labels[LABEL.type] === 'postgres' ? lastBackupOf(project, service) : null,
        };
      });
      function lastBackupOf(project: string, service: string) {
        const b = backups.filter((x) => x.project === project && x.service === service).at(-1);
        return b ? { id: b.id, at: b.createdAt, verified: b.verified } : null;
      }
      rows.sort((a, b) => a.project.localeCompare(b.project) || a.replica.localeCompare(b.replica));
      if (options.json) return io.out(JSON.stringify(rows, null, 2));
      io.out(
        table([
          ['PROJECT', 'CONTAINER', 'STATE', 'HEALTH', 'IMAGE', 'DIGEST', 'PORTS', 'ROUTES', 'LAST BACKUP'],
          ...rows.map((r) => [
            r.project,
            r.replica,
            r.state,
            r.answers ? 'starting, answers' : (r.health ?? '-'),
            r.image,
            // Enough of it to tell two apart: `sha256:` and 12 hex digits, as `docker images` shows IDs.
            r.digest.slice(r.digest.indexOf('sha256:'), r.digest.indexOf('sha256:') + 19),
            r.ports.join(' '),
            r.routes.join(' '),
            r.lastBackup
              ? `${r.lastBackup.at.slice(0, 16).replace('T', ' ')} ${r.lastBackup.verified ?? 'unverified'}`
              : '',
          ]),
        ]),
      );
    });

  program
    .command('logs')
    .description('a project’s container logs, labelled by service and replica')
    .argument('<project>', 'the project (or shared)')
    .argument('[service]', 'only this service')
    .option('--since <duration>', 'such as 10m or 2h', '1h')
    .option('--follow', 'keep printing new lines')
    .action(
      async (project: string, service: string | undefined, options: { since: string; follow?: boolean }) => {
        const globals = program.opts<GlobalOptions>();
        const spec = loadOrExit(specPath(undefined, globals), io.errStyle, io.err).spec;
        const docker = await connect(spec.server.host, io);
        const m = /^(\d+)([smhd])$/.exec(options.since);
        if (!m) throw new InvalidInput(`--since ${options.since}: write a duration such as 10m, 2h or 1d`);
        const since =
          Math.floor(Date.now() / 1000) - Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's'];
        const containers = (await ownedContainers(docker, spec.environment, project)).filter(
          (c) => !service || c.labels[LABEL.service] === service,
        );
        if (!containers.length)
          throw new OperationFailed(`no containers of ${project}${service ? `/${service}` : ''}`);
        await Promise.all(
          containers.map(async (c) => {
            const prefix = io.style.cyan(`${c.name} |`);
            if (options.follow) {
              const stream = (await docker
                .getContainer(c.id)
                .logs({ stdout: true, stderr: true, since, follow: true })) as NodeJS.ReadableStream;
              docker.modem.demuxStream(stream, lineWriter(prefix, io), lineWriter(prefix, io));
              await new Promise((r) => stream.on('end', r));
            } else {
              const buf = (await docker
                .getContainer(c.id)
                .logs({ stdout: true, stderr: true, since, follow: false })) as unknown as Buffer;
              for (const line of demux(buf).split('\n').filter(Boolean)) io.out(`${prefix} ${line}`);
            }
          }),
        );
      },
    );
}

function lineWriter(prefix: string, io: Io): NodeJS.WritableStream {
  let rest = '';
  return new Writable({
    write(chunk, _enc, done) {
      const lines = (rest + String(chunk)).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) io.out(`${prefix} ${l}`);
      done();
    },
  });
}
