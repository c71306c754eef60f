import { type Database, openPostgres, openSqlite, type Row } from './database.ts';
import { migrate } from './migrate.ts';
import type { AllocationRecord, BackupRecord, EventRecord, ReleaseRecord, StateStore } from './records.ts';

/** Opens the store: SQLite at `path`, or PostgreSQL at `databaseUrl`; migrations run first. */
export async function openStore(opts: { path?: string; databaseUrl?: string }): Promise<StateStore> {
  const db = opts.databaseUrl ? await openPostgres(opts.databaseUrl) : openSqlite(required(opts.path));
  try {
    await migrate(db);
  } catch (e) {
    await db.close();
    throw e;
  }
  return storeOver(db);
}

function required(path: string | undefined): string {
  if (!path) throw new Error('the state store needs a path or a database URL');
  return path;
}

const json = (v: unknown) => JSON.stringify(v ?? null);
const parse = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : null);

function release(r: Row): ReleaseRecord {
  return {
    id: String(r.id),
    project: String(r.project),
    createdAt: String(r.created_at),
    status: r.status as ReleaseRecord['status'],
    specHash: String(r.spec_hash),
    images: parse(r.images) ?? {},
    reason: (r.reason as string | null) ?? null,
  };
}

function backup(r: Row): BackupRecord {
  return {
    id: String(r.id),
    project: String(r.project),
    service: String(r.service),
    path: String(r.path),
    bytes: Number(r.bytes),
    sha256: String(r.sha256),
    createdAt: String(r.created_at),
    manifest: parse(r.manifest),
    verified: (r.verified as BackupRecord['verified']) ?? null,
    verifiedAt: (r.verified_at as string | null) ?? null,
    remote: parse(r.remote),
  };
}

function event(r: Row): EventRecord {
  return {
    id: Number(r.id),
    at: String(r.at),
    project: (r.project as string | null) ?? null,
    kind: String(r.kind),
    message: String(r.message),
    data: parse(r.data),
  };
}

/** `UPDATE … SET a = ?, b = ?` from the fields a patch gives. */
async function update(
  db: Database,
  table: string,
  id: string,
  columns: Record<string, unknown>,
): Promise<void> {
  const set = Object.entries(columns).filter(([, v]) => v !== undefined);
  if (set.length === 0) return;
  await db.query(`UPDATE ${table} SET ${set.map(([c]) => `${c} = ?`).join(', ')} WHERE id = ?`, [
    ...set.map(([, v]) => v),
    id,
  ]);
}

function storeOver(db: Database): StateStore {
  return {
    kind: db.dialect,
    async loadAllocations() {
      const rows = await db.query(
        'SELECT project, kind, key, value FROM stagecraft_allocations ORDER BY project, kind, key',
      );
      return rows.map((r) => ({
        project: String(r.project),
        kind: r.kind as AllocationRecord['kind'],
        key: String(r.key),
        value: String(r.value),
      }));
    },
    async recordAllocations(rows, projects) {
      await db.transaction(async (tx) => {
        for (const p of projects) await tx.query('DELETE FROM stagecraft_allocations WHERE project = ?', [p]);
        for (const r of rows) {
          if (!projects.includes(r.project))
            throw new Error(`allocation of ${r.project} is outside the projects being recorded`);
          await tx.query(
            'INSERT INTO stagecraft_allocations (project, kind, key, value) VALUES (?, ?, ?, ?)',
            [r.project, r.kind, r.key, r.value],
          );
        }
      });
    },
    async forgetProject(project) {
      await db.query('DELETE FROM stagecraft_allocations WHERE project = ?', [project]);
    },
    async addRelease(r) {
      await db.query(
        'INSERT INTO stagecraft_releases (id, project, created_at, status, spec_hash, images, reason) VALUES (?, ?, ?, ?, ?, ?, ?)',
        [r.id, r.project, r.createdAt, r.status, r.specHash, json(r.images), r.reason],
      );
    },
    async updateRelease(id, patch) {
      await update(db, 'stagecraft_releases', id, { status: patch.status, reason: patch.reason });
    },
    async listReleases(project) {
      const rows = project
        ? await db.query('SELECT * FROM stagecraft_releases WHERE project = ? ORDER BY created_at, id', [
            project,
          ])
        : await db.query('SELECT * FROM stagecraft_releases ORDER BY created_at, id');
      return rows.map(release);
    },
    async addBackup(b) {
      await db.query(
        'INSERT INTO stagecraft_backups (id, project, service, path, bytes, sha256, created_at, manifest, verified, verified_at, remote) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [
          b.id,
          b.project,
          b.service,
          b.path,
          b.bytes,
          b.sha256,
          b.createdAt,
          json(b.manifest),
          b.verified,
          b.verifiedAt,
          b.remote === null ? null : json(b.remote),
        ],
      );
    },
    async updateBackup(id, patch) {
      await update(db, 'stagecraft_backups', id, {
        verified: patch.verified,
        verified_at: patch.verifiedAt,
        remote: patch.remote === undefined ? undefined : json(patch.remote),
        path: patch.path,
      });
    },
    async listBackups(project) {
      const rows = project
        ? await db.query('SELECT * FROM stagecraft_backups WHERE project = ? ORDER BY created_at, id', [
            project,
          ])
        : await db.query('SELECT * FROM stagecraft_backups ORDER BY created_at, id');
      return rows.map(backup);
    },
    async deleteBackup(id) {
      await db.query('DELETE FROM stagecraft_backups WHERE id = ?', [id]);
    },
    async addEvent(e) {
      const rows = await db.query(
        'INSERT INTO stagecraft_events (at, project, kind, message, data) VALUES (?, ?, ?, ?, ?) RETURNING id',
        [e.at ?? new Date().toISOString(), e.project, e.kind, e.message, json(e.data)],
      );
      return Number(rows[0]?.id);
    },
    async listEvents(filter = {}) {
      const where: string[] = [];
      const params: unknown[] = [];
      if (filter.project) {
        where.push('project = ?');
        params.push(filter.project);
      }
      if (filter.kind) {
        where.push('kind = ?');
        params.push(filter.kind);
      }
      const sql = `SELECT * FROM stagecraft_events${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
      return (await db.query(sql, [...params, filter.limit ?? 100])).map(event);
    },
    async appliedMigrations() {
      return (await db.query('SELECT version FROM stagecraft_schema_migrations ORDER BY version')).map((r) =>
        Number(r.version),
      );
    },
    close: () => db.close(),
  };
}

export { openPostgres, openSqlite };
