/**
 * The API over a real SQLite store and the beryl3 example (teams: alice and bob edit beryl3, carol
 * administers it, dave views it; eve is in no team), with an engine address nothing answers on:
 * the reads must come from the store. Tokens for each role, a revoked one and secrets set.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { redactedProjectLogs } from '../../src/ops/logs.ts';
import { environmentStatus } from '../../src/ops/status.ts';
import { createToken } from '../../src/ops/tokens.ts';
import { planEnvironment } from '../../src/plan/index.ts';
import { opsActions } from '../../src/server/api/actions.ts';
import { apiApp } from '../../src/server/api/app.ts';
import { loadSpecText } from '../../src/spec/index.ts';
import { openSecretStore, openStore } from '../../src/state/index.ts';

export const SECRET_VALUES = {
  DJANGO_SECRET_KEY: 'django-secret-value-5f1e2d',
  BACKUP_S3_SECRET_KEY: 's3-secret-value-9a8b7c',
  SLACK_WEBHOOK: 'https://hooks.slack.example/T000/secret-value-4d4d',
} as const;

export type Who = 'viewer' | 'editor' | 'admin' | 'none' | 'revoked' | 'bad' | 'missing';

export async function apiFixture(opts: { eventPollMs?: number } = {}) {
  const root = join(import.meta.dirname, '..', '..');
  const dir = mkdtempSync(join(tmpdir(), 'stagecraft-api-'));
  const text = readFileSync(join(root, 'examples', 'beryl3', 'staging.yaml'), 'utf8');
  const spec = loadSpecText('staging.yaml', text, { GIT_SHA: 'abc123' }).spec!;
  const plan = planEnvironment(spec);
  const store = await openStore({ path: join(dir, 'state.db') });
  const secrets = await openSecretStore({ dir: join(dir, 'secrets') });
  await secrets.set('beryl3', 'DJANGO_SECRET_KEY', SECRET_VALUES.DJANGO_SECRET_KEY);
  await secrets.set('shared', 'BACKUP_S3_SECRET_KEY', SECRET_VALUES.BACKUP_S3_SECRET_KEY);
  await secrets.set('shared', 'SLACK_WEBHOOK', SECRET_VALUES.SLACK_WEBHOOK);
  const docker = new Docker({ socketPath: join(dir, 'no-engine.sock') });
  const running = { spec, plan, docker, store, secrets, serverDir: join(dir, 'server') };
  const stopping = new AbortController();
  const app = apiApp({
    spec,
    plan,
    store,
    engine: () => environmentStatus(docker, spec, store),
    actions: opsActions(running, { env: {}, log: () => {} }),
    logs: (which, options, onLine) => redactedProjectLogs(running, which, options, onLine),
    eventPollMs: opts.eventPollMs ?? 50,
    stopping: stopping.signal,
  });
  const tokens: Record<Who, string | null> = {
    viewer: (await createToken(store, 'dave')).token,
    editor: (await createToken(store, 'alice')).token,
    admin: (await createToken(store, 'carol')).token,
    none: (await createToken(store, 'eve')).token,
    revoked: (await createToken(store, 'bob')).token,
    bad: 'sct_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    missing: null,
  };
  await store.revokeTokens('bob');
  const request = (who: Who, path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (tokens[who]) headers.set('authorization', `Bearer ${tokens[who]}`);
    return app.request(path, { ...init, headers });
  };
  return {
    app,
    spec,
    store,
    request,
    running,
    token: (who: Who) => tokens[who],
    async close() {
      stopping.abort();
      await store.close();
      await secrets.close?.();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
