import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { openPostgres } from './database.ts';
import { migrate } from './migrate.ts';

/** Secret values, by project and name. Errors never carry a value. */
export interface SecretStore {
  set(project: string, name: string, value: string): Promise<void>;
  get(project: string, name: string): Promise<string | undefined>;
  has(project: string, name: string): Promise<boolean>;
  /** Names only, never values. */
  list(project?: string): Promise<{ project: string; name: string }[]>;
  delete(project: string, name: string): Promise<void>;
  /** The value, created at random on first use and the same ever after. */
  ensureGenerated(project: string, name: string, opts?: { length?: number }): Promise<string>;
  close(): Promise<void>;
}

const PROJECT = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
const NAME = /^[A-Z_][A-Z0-9_]*$/;
// Letters and digits only: generated values go into URLs and env files unescaped.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export class InvalidSecretName extends Error {}

function check(project: string, name: string): void {
  if (!PROJECT.test(project))
    throw new InvalidSecretName(`"${project}" is not a project name: use lowercase letters, digits and -`);
  if (!NAME.test(name))
    throw new InvalidSecretName(
      `"${name}" is not a secret name: use capitals, digits and _ (such as DJANGO_SECRET_KEY)`,
    );
}

export function generateValue(length = 32): string {
  const bytes = randomBytes(length * 2);
  let out = '';
  // Rejection sampling keeps every character equally likely.
  for (const b of bytes) {
    if (b < 248) out += ALPHABET[b % 62];
    if (out.length === length) return out;
  }
  return out + generateValue(length - out.length);
}

export async function openSecretStore(opts: { dir: string } | { databaseUrl: string }): Promise<SecretStore> {
  return 'dir' in opts ? fileSecretStore(opts.dir) : postgresSecretStore(opts.databaseUrl);
}

/** `<dir>/<project>/<NAME>`, directories 0700, files 0600, written atomically. */
function fileSecretStore(dir: string): SecretStore {
  const path = (project: string, name: string) => join(dir, project, name);
  const store: SecretStore = {
    async set(project, name, value) {
      check(project, name);
      mkdirSync(join(dir, project), { recursive: true, mode: 0o700 });
      chmodSync(dir, 0o700);
      chmodSync(join(dir, project), 0o700);
      const temp = `${path(project, name)}.tmp-${process.pid}`;
      writeFileSync(temp, value, { mode: 0o600 });
      chmodSync(temp, 0o600);
      renameSync(temp, path(project, name));
    },
    async get(project, name) {
      check(project, name);
      const p = path(project, name);
      return existsSync(p) ? readFileSync(p, 'utf8') : undefined;
    },
    async has(project, name) {
      check(project, name);
      return existsSync(path(project, name));
    },
    async list(project) {
      if (!existsSync(dir)) return [];
      const projects = project ? [project] : readdirSync(dir).filter((p) => PROJECT.test(p));
      return projects
        .flatMap((p) =>
          existsSync(join(dir, p))
            ? readdirSync(join(dir, p))
                .filter((n) => NAME.test(n))
                .map((name) => ({ project: p, name }))
            : [],
        )
        .sort((a, b) => a.project.localeCompare(b.project) || a.name.localeCompare(b.name));
    },
    async delete(project, name) {
      check(project, name);
      rmSync(path(project, name), { force: true });
    },
    async ensureGenerated(project, name, opts = {}) {
      const existing = await store.get(project, name);
      if (existing !== undefined) return existing;
      const value = generateValue(opts.length);
      await store.set(project, name, value);
      return value;
    },
    async close() {},
  };
  return store;
}

async function postgresSecretStore(url: string): Promise<SecretStore> {
  const db = await openPostgres(url);
  await migrate(db);
  const store: SecretStore = {
    async set(project, name, value) {
      check(project, name);
      await db.query(
        'INSERT INTO stagecraft_secrets (project, name, value) VALUES (?, ?, ?) ON CONFLICT (project, name) DO UPDATE SET value = EXCLUDED.value',
        [project, name, value],
      );
    },
    async get(project, name) {
      check(project, name);
      const rows = await db.query('SELECT value FROM stagecraft_secrets WHERE project = ? AND name = ?', [
        project,
        name,
      ]);
      return rows[0] ? String(rows[0].value) : undefined;
    },
    async has(project, name) {
      return (await store.get(project, name)) !== undefined;
    },
    async list(project) {
      const rows = project
        ? await db.query(
            'SELECT project, name FROM stagecraft_secrets WHERE project = ? ORDER BY project, name',
            [project],
          )
        : await db.query('SELECT project, name FROM stagecraft_secrets ORDER BY project, name');
      return rows.map((r) => ({ project: String(r.project), name: String(r.name) }));
    },
    async delete(project, name) {
      check(project, name);
      await db.query('DELETE FROM stagecraft_secrets WHERE project = ? AND name = ?', [project, name]);
    },
    async ensureGenerated(project, name, opts = {}) {
      check(project, name);
      // Insert-if-absent, then read: two processes racing end up with the same value.
      await db.query(
        'INSERT INTO stagecraft_secrets (project, name, value) VALUES (?, ?, ?) ON CONFLICT (project, name) DO NOTHING',
        [project, name, generateValue(opts.length)],
      );
      return (await store.get(project, name))!;
    },
    close: () => db.close(),
  };
  return store;
}
