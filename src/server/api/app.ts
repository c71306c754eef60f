import { setTimeout as sleep } from 'node:timers/promises';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { streamSSE } from 'hono/streaming';
import type { z } from 'zod';
import { lastIsolationProbe } from '../../ops/isolation-record.ts';
import { previewRows } from '../../ops/previews/list.ts';
import type { ContainerStatus } from '../../ops/status.ts';
import { userOfToken } from '../../ops/tokens.ts';
import { isolationMatrix, type Plan } from '../../plan/index.ts';
import { type Project, type Role, roleAllows, roleOf, type Spec } from '../../spec/index.ts';
import type { EventRecord, StateStore } from '../../state/index.ts';
import { mountDashboard } from '../dashboard.ts';
import { streamLogs } from './logs-stream.ts';
import { openApiDocument } from './openapi.ts';
import {
  auditView,
  backupView,
  budgetView,
  type EngineView,
  projectSummary,
  releaseView,
  serverView,
  serviceViews,
} from './project-view.ts';
import { LOGS_ROLE, PROJECT_READS, READ_ROLE, WRITE_ROUTES, type WriteAction } from './routes.ts';
import {
  BODY_LIMIT_BYTES,
  type deployBody,
  logsQuery,
  type restoreBody,
  type verifyRestoreBody,
} from './schemas.ts';

/** The writes the API offers; the control plane wires them to the same ops the CLI runs (actions.ts). */
export interface ApiActions {
  deploy(project: Project, images: Record<string, string>, user: string): Promise<Record<string, unknown>>;
  rollback(project: Project, user: string): Promise<Record<string, unknown>>;
  restore(project: Project, backupId: string): Promise<Record<string, unknown>>;
  verifyRestore(project: Project, backupId: string | undefined): Promise<Record<string, unknown>>;
}

/** Reads a project's (or one service's) container logs, each line already free of secret values. */
export type ApiLogs = (
  which: { project: string; service?: string | undefined },
  options: { since: number; follow: boolean; signal: AbortSignal },
  onLine: (container: string, line: string) => void,
) => Promise<void>;

export interface ApiDeps {
  spec: Spec;
  plan: Plan;
  store: StateStore;
  /** The engine's containers; a throw means the engine does not answer (the store still does). */
  engine: () => Promise<ContainerStatus[]>;
  actions: ApiActions;
  /** The logs route's reader: the same ops code as `stagecraft logs`, with secrets redacted. */
  logs: ApiLogs;
  /** How often the event stream looks at the store for new events. */
  eventPollMs?: number;
  /** Aborted when the control plane stops: open event streams end. */
  stopping?: AbortSignal;
}

type Env = { Variables: { user: string } };

type RunWrite = (
  deps: ApiDeps,
  project: Project,
  body: never,
  user: string,
) => Promise<Record<string, unknown>>;

/** What each write runs; routes.ts says which role it needs and which body it takes. */
const RUN: Record<WriteAction, RunWrite> = {
  deploy: (d, p, b: z.output<typeof deployBody>, user) => d.actions.deploy(p, b.images, user),
  rollback: (d, p, _b, user) => d.actions.rollback(p, user),
  restore: (d, p, b: z.output<typeof restoreBody>) => d.actions.restore(p, b.from),
  'verify-restore': (d, p, b: z.output<typeof verifyRestoreBody>) => d.actions.verifyRestore(p, b.from),
};

const BEARER = /^Bearer ([!-~]+)$/;

/** The HTTP API under /api/v1 (spec.md, "Control plane"). Every route needs a token. */
export function apiApp(deps: ApiDeps): Hono<Env> {
  const app = new Hono<Env>();
  const { spec, plan, store } = deps;

  app.onError((e, c) => {
    // A bug or an engine failure: the message only (ops messages name objects, never secret values).
    return c.json({ error: e.message }, 500);
  });
  app.notFound((c) => c.json({ error: 'no such route' }, 404));

  app.use('/api/v1/*', async (c, next) => {
    const m = BEARER.exec(c.req.header('authorization') ?? '');
    const user = m ? await userOfToken(store, m[1]!) : null;
    if (!user) {
      c.header('WWW-Authenticate', 'Bearer realm="stagecraft"');
      return c.json(
        { error: 'a valid token is needed: Authorization: Bearer TOKEN (stagecraft tokens create USER)' },
        401,
      );
    }
    c.set('user', user);
    await next();
  });
  app.use(
    '/api/v1/*',
    bodyLimit({
      maxSize: BODY_LIMIT_BYTES,
      onError: (c) => c.json({ error: `the body is larger than ${BODY_LIMIT_BYTES} bytes` }, 413),
    }),
  );

  const engineView = async (): Promise<EngineView> => {
    try {
      return { reachable: true, containers: await deps.engine() };
    } catch (e) {
      return { reachable: false, error: (e as Error).message, containers: [] };
    }
  };
  /** The project when the user's role on it is at least `needed`; otherwise the response to send. */
  const authorize = (user: string, name: string, needed: Role) => {
    const role = roleOf(spec, user, name);
    const project = spec.projects.find((p) => p.name === name);
    // No role and no such project answer alike: a user learns nothing of projects they cannot see.
    if (!project || !roleAllows(role, needed))
      return {
        refused: `${user} needs the ${needed} role on ${name}${role ? ` (has ${role})` : ''}`,
      } as const;
    return { project, role: role! } as const;
  };

  mountDashboard(app as unknown as Hono<never>);

  app.get('/api/v1/openapi.json', (c) => c.json(openApiDocument()));

  app.get('/api/v1/projects', (c) => {
    const user = c.get('user');
    return c.json(
      spec.projects.flatMap((p) => {
        const role = roleOf(spec, user, p.name);
        return role ? [projectSummary(p, role)] : [];
      }),
    );
  });

  app.get('/api/v1/server', async (c) => {
    const user = c.get('user');
    return c.json({
      ...serverView(spec, plan, await engineView(), (name) => roleOf(spec, user, name) !== null),
      user,
    });
  });

  app.get('/api/v1/isolation', (c) => {
    const user = c.get('user');
    // The planned matrix (what `verify isolation` probes), for the projects the user may view.
    const mayView = (name: string) => roleAllows(roleOf(spec, user, name.split('/')[0]!), 'viewer');
    return c.json(isolationMatrix(spec).filter((e) => mayView(e.from)));
  });

  app.get('/api/v1/isolation/probe', async (c) => {
    const user = c.get('user');
    // The last `verify isolation`: its pairs from and to the projects the user may view.
    const mayView = (position: string) => {
      const project = position.split('/')[0]!;
      return project === 'shared' || project === 'host' || roleAllows(roleOf(spec, user, project), 'viewer');
    };
    return c.json(await lastIsolationProbe(store, (row) => mayView(row.from) && mayView(row.to)));
  });

  for (const route of PROJECT_READS)
    app.get(`/api/v1/projects/:project${route}`, async (c) => {
      const a = authorize(c.get('user'), c.req.param('project'), READ_ROLE[route]);
      if ('refused' in a) return c.json({ error: a.refused }, 403);
      const name = a.project.name;
      switch (route) {
        case '/services': {
          const engine = await engineView();
          return c.json({
            engine: engineStatus(engine),
            services: serviceViews(spec, a.project, plan, engine),
          });
        }
        case '/releases':
          return c.json((await store.listReleases(name)).reverse().map(releaseView));
        case '/backups':
          return c.json((await store.listBackups(name)).reverse().map(backupView));
        case '/previews':
          return c.json(previewRows(spec, await store.listPreviews(name)));
        case '/audit':
          return c.json((await store.listAudit()).filter((x) => x.project === name).map(auditView));
        default: {
          const engine = await engineView();
          return c.json({
            ...projectSummary(a.project, a.role),
            engine: engineStatus(engine),
            services: serviceViews(spec, a.project, plan, engine),
            releases: (await store.listReleases(name)).reverse().slice(0, 10).map(releaseView),
            backups: (await store.listBackups(name)).reverse().slice(0, 10).map(backupView),
            budget: budgetView(spec, plan, name),
          });
        }
      }
    });

  app.get('/api/v1/projects/:project/logs', (c) => {
    const a = authorize(c.get('user'), c.req.param('project'), LOGS_ROLE);
    if ('refused' in a) return c.json({ error: a.refused }, 403);
    const query = logsQuery.safeParse(c.req.query());
    if (!query.success)
      return c.json(
        { error: 'the query does not match the route’s schema', issues: issuesOf(query.error) },
        400,
      );
    const { service, follow, since } = query.data;
    if (service !== undefined && !a.project.services.some((s) => s.name === service))
      return c.json({ error: `${a.project.name} has no service ${service}` }, 400);
    return streamLogs(c, deps, { project: a.project.name, service, follow, since });
  });

  for (const w of WRITE_ROUTES)
    app.post(`/api/v1/projects/:project/${w.action}`, async (c) => {
      const user = c.get('user');
      const name = c.req.param('project');
      const a = authorize(user, name, w.role);
      const audit = (result: string, detail: unknown = null) =>
        store.addAudit({ user, project: name, action: w.action, result, detail });
      if ('refused' in a) {
        await audit('refused');
        return c.json({ error: a.refused }, 403);
      }
      const text = await c.req.text();
      let json: unknown;
      try {
        json = text.trim() === '' ? {} : JSON.parse(text);
      } catch {
        await audit('invalid: not JSON');
        return c.json({ error: 'the body is not JSON' }, 400);
      }
      const body = w.body.safeParse(json);
      if (!body.success) {
        const issues = issuesOf(body.error);
        await audit('invalid', { issues });
        return c.json({ error: 'the body does not match the route’s schema', issues }, 400);
      }
      try {
        const result = await RUN[w.action](deps, a.project, body.data as never, user);
        await audit('ok', body.data);
        return c.json({ ok: true, ...result });
      } catch (e) {
        await audit(`failed: ${(e as Error).message}`, body.data);
        return c.json({ ok: false, error: (e as Error).message }, 500);
      }
    });

  app.get('/api/v1/events', (c) => {
    const user = c.get('user');
    const visible = (e: EventRecord) =>
      e.project === null
        ? spec.projects.some((p) => roleOf(spec, user, p.name))
        : roleAllows(roleOf(spec, user, e.project), 'viewer');
    const pollMs = deps.eventPollMs ?? 1000;
    return streamSSE(c, async (stream) => {
      // The stream opens at once: the headers and a comment go out before any event.
      await stream.write(': stagecraft events\n\n');
      let last = (await store.listEvents({ limit: 1 }))[0]?.id ?? 0;
      while (!stream.aborted && !stream.closed && !deps.stopping?.aborted) {
        const fresh = (await store.listEvents({ afterId: last })).reverse();
        for (const e of fresh) {
          last = e.id;
          if (visible(e))
            await stream.writeSSE({
              id: String(e.id),
              event: e.kind,
              data: JSON.stringify({
                id: e.id,
                at: e.at,
                project: e.project,
                kind: e.kind,
                message: e.message,
              }),
            });
        }
        await sleep(pollMs, undefined, { signal: deps.stopping }).catch(() => {});
      }
    });
  });

  return app;
}

const issuesOf = (e: z.ZodError) => e.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);

const engineStatus = (e: EngineView) =>
  e.reachable ? { reachable: true } : { reachable: false, error: e.error ?? 'the engine does not answer' };
