import { checkGenerateOptions, generateValue } from './generate.ts';
import { migrate } from './migrate.ts';
import { openPostgres } from './postgres.ts';
import { checkProject, checkSecret, checkValue } from './secret-names.ts';
import { byRef, type SecretStore, withoutValue } from './secret-store.ts';

/** Secret values in the PostgreSQL state store's `stagecraft_secrets` table. */
export async function openPostgresSecretStore(url: string): Promise<SecretStore> {
  const db = await openPostgres(url);
  try {
    await migrate(db);
  } catch (e) {
    await db.close();
    throw e;
  }

  const read = async (project: string, name: string) => {
    const rows = await db.query('SELECT value FROM stagecraft_secrets WHERE project = ? AND name = ?', [
      project,
      name,
    ]);
    return rows[0] === undefined ? undefined : String(rows[0].value);
  };

  return {
    kind: 'postgres',

    async set(project, name, value) {
      checkSecret(project, name);
      checkValue(project, name, value);
      await withoutValue(value, () =>
        db.query(
          'INSERT INTO stagecraft_secrets (project, name, value) VALUES (?, ?, ?) ON CONFLICT (project, name) DO UPDATE SET value = EXCLUDED.value',
          [project, name, value],
        ),
      );
    },

    async get(project, name) {
      checkSecret(project, name);
      return read(project, name);
    },

    async has(project, name) {
      checkSecret(project, name);
      const rows = await db.query(
        'SELECT 1 AS found FROM stagecraft_secrets WHERE project = ? AND name = ?',
        [project, name],
      );
      return rows.length > 0;
    },

    async list(project) {
      if (project !== undefined) checkProject(project);
      const rows =
        project !== undefined
          ? await db.query('SELECT project, name FROM stagecraft_secrets WHERE project = ?', [project])
          : await db.query('SELECT project, name FROM stagecraft_secrets');
      return rows.map((r) => ({ project: String(r.project), name: String(r.name) })).sort(byRef);
    },

    async delete(project, name) {
      checkSecret(project, name);
      const rows = await db.query(
        'DELETE FROM stagecraft_secrets WHERE project = ? AND name = ? RETURNING name',
        [project, name],
      );
      return rows.length > 0;
    },

    async ensureGenerated(project, name, opts) {
      checkSecret(project, name);
      checkGenerateOptions(opts);
      const existing = await read(project, name);
      if (existing !== undefined) return existing;
      const value = generateValue(opts);
      // Insert only if absent, then read: of two processes racing, both get the first one's value.
      const inserted = await withoutValue(value, () =>
        db.query(
          'INSERT INTO stagecraft_secrets (project, name, value) VALUES (?, ?, ?) ON CONFLICT (project, name) DO NOTHING RETURNING name',
          [project, name, value],
        ),
      );
      if (inserted.length > 0) return value;
      const winner = await read(project, name);
      if (winner === undefined)
        throw new Error(`the secret ${project}/${name} vanished while it was being made`);
      return winner;
    },

    close: () => db.close(),
  };
}
