import { appliedMigrations, migrate } from './migrate.ts';
import { openPostgres } from './postgres.ts';
import type { BackupRecord, ReleaseRecord, StateStore } from './records.ts';
import {
  allocationFromRow,
  auditFromRow,
  backupFromRow,
  byText,
  eventFromRow,
  previewFromRow,
  releaseFromRow,
  toJson,
  tokenFromRow,
} from './rows.ts';
import type { Database, SqlValue } from './sql.ts';
import { openSqlite } from './sqlite.ts';

/**
 * Opens the state store, SQLite at `path` or PostgreSQL at `databaseUrl` (which wins when both are
 * given), and brings its schema up to date.
 */
export async function openStore(opts: { path?: string; databaseUrl?: string }): Promise<StateStore> {
  let db: Database;
  if (opts.databaseUrl) db = await openPostgres(opts.databaseUrl);
  else if (opts.path) db = openSqlite(opts.path);
  else throw new Error('the state store needs a file path or a database URL');
  try {
    await migrate(db);
  } catch (e) {
    await db.close();
    throw e;
  }
  return storeOver(db);
}

const ALLOCATION_KINDS = new Set(['subnet', 'port', 'address']);

/** `UPDATE table SET …` with the columns a patch gives; throws when no row has the id. */
async function updateById(
  db: Database,
  what: string,
  table: string,
  id: string,
  columns: Record<string, SqlValue | undefined>,
): Promise<void> {
  const set = Object.entries(columns).filter((entry): entry is [string, SqlValue] => entry[1] !== undefined);
  const rows = set.length
    ? await db.query(
        `UPDATE ${table} SET ${set.map(([c]) => `${c} = ?`).join(', ')} WHERE id = ? RETURNING id`,
        [...set.map(([, v]) => v), id],
      )
    : await db.query(`SELECT id FROM ${table} WHERE id = ?`, [id]);
  if (rows.length === 0) throw new Error(`no ${what} with id ${JSON.stringify(id)} in the state store`);
}

const oldestFirst = <T extends { createdAt: string; id: string }>(a: T, b: T) =>
  byText(a.createdAt, b.createdAt) || byText(a.id, b.id);

function storeOver(db: Database): StateStore {
  return {
    kind: db.dialect,

    async loadAllocations() {
      const rows = (await db.query('SELECT project, kind, key, value FROM stagecraft_allocations')).map(
        allocationFromRow,
      );
      return rows.sort(
        (a, b) => byText(a.project, b.project) || byText(a.kind, b.kind) || byText(a.key, b.key),
      );
    },

    async recordAllocations(rows, projects) {
      const listed = new Set(projects);
      for (const r of rows) {
        if (!listed.has(r.project))
          throw new Error(
            `an allocation of project ${JSON.stringify(r.project)} is not among the projects being recorded`,
          );
        if (!ALLOCATION_KINDS.has(r.kind))
          throw new Error(`allocation kind ${JSON.stringify(r.kind)} is not subnet, port or address`);
      }
      await db.transaction(async (tx) => {
        for (const p of listed) await tx.query('DELETE FROM stagecraft_allocations WHERE project = ?', [p]);
        for (const r of rows)
          await tx.query(
            'INSERT INTO stagecraft_allocations (project, kind, key, value) VALUES (?, ?, ?, ?)',
            [r.project, r.kind, r.key, r.value],
          );
      });
    },

    async forgetProject(project) {
      await db.query('DELETE FROM stagecraft_allocations WHERE project = ?', [project]);
    },

    async addRelease(r: ReleaseRecord) {
      await db.query(
        'INSERT INTO stagecraft_releases (id, project, created_at, status, spec_hash, images, reason, config, digests, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [
          r.id,
          r.project,
          r.createdAt,
          r.status,
          r.specHash,
          toJson(r.images),
          r.reason,
          r.config == null ? null : toJson(r.config),
          r.digests == null ? null : toJson(r.digests),
          r.actor ?? null,
        ],
      );
    },

    async updateRelease(id, patch) {
      await updateById(db, 'release', 'stagecraft_releases', id, {
        status: patch.status,
        reason: patch.reason,
        analysis: patch.analysis === undefined ? undefined : toJson(patch.analysis),
      });
    },

    async listReleases(project) {
      const rows = project
        ? await db.query('SELECT * FROM stagecraft_releases WHERE project = ?', [project])
        : await db.query('SELECT * FROM stagecraft_releases');
      return rows.map(releaseFromRow).sort(oldestFirst);
    },

    async addBackup(b: BackupRecord) {
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
          toJson(b.manifest),
          b.verified,
          b.verifiedAt,
          b.remote === null || b.remote === undefined ? null : toJson(b.remote),
        ],
      );
    },

    async updateBackup(id, patch) {
      await updateById(db, 'backup', 'stagecraft_backups', id, {
        path: patch.path,
        verified: patch.verified,
        verified_at: patch.verifiedAt,
        remote: patch.remote === undefined ? undefined : patch.remote === null ? null : toJson(patch.remote),
      });
    },

    async listBackups(project) {
      const rows = project
        ? await db.query('SELECT * FROM stagecraft_backups WHERE project = ?', [project])
        : await db.query('SELECT * FROM stagecraft_backups');
      return rows.map(backupFromRow).sort(oldestFirst);
    },

    async deleteBackup(id) {
      return (await db.query('DELETE FROM stagecraft_backups WHERE id = ? RETURNING id', [id])).length > 0;
    },

    async addEvent(e) {
      const rows = await db.query(
        'INSERT INTO stagecraft_events (at, project, kind, message, data) VALUES (?, ?, ?, ?, ?) RETURNING *',
        [e.at ?? new Date().toISOString(), e.project, e.kind, e.message, toJson(e.data)],
      );
      return eventFromRow(rows[0]!);
    },

    async listEvents(filter = {}) {
      const where: string[] = [];
      const params: SqlValue[] = [];
      if (filter.project !== undefined) {
        where.push('project = ?');
        params.push(filter.project);
      }
      if (filter.kind !== undefined) {
        where.push('kind = ?');
        params.push(filter.kind);
      }
      if (filter.afterId !== undefined) {
        where.push('id > ?');
        params.push(filter.afterId);
      }
      let sql = 'SELECT * FROM stagecraft_events';
      if (where.length) sql += ` WHERE ${where.join(' AND ')}`;
      sql += ' ORDER BY id DESC';
      if (filter.limit !== undefined) {
        if (!Number.isSafeInteger(filter.limit) || filter.limit < 0)
          throw new Error(`an event limit must be a whole number, not ${filter.limit}`);
        sql += ' LIMIT ?';
        params.push(filter.limit);
      }
      return (await db.query(sql, params)).map(eventFromRow);
    },

    async addToken(t) {
      await db.query(
        'INSERT INTO stagecraft_tokens (id, user_name, hash, created_at, revoked_at) VALUES (?, ?, ?, ?, ?)',
        [t.id, t.user, t.hash, t.createdAt, t.revokedAt],
      );
    },

    async findToken(id) {
      const rows = await db.query('SELECT * FROM stagecraft_tokens WHERE id = ?', [id]);
      return rows[0] ? tokenFromRow(rows[0]) : null;
    },

    async listTokens() {
      return (await db.query('SELECT * FROM stagecraft_tokens')).map(tokenFromRow).sort(oldestFirst);
    },

    async revokeTokens(user, at = new Date().toISOString()) {
      const rows = await db.query(
        'UPDATE stagecraft_tokens SET revoked_at = ? WHERE user_name = ? AND revoked_at IS NULL RETURNING id',
        [at, user],
      );
      return rows.length;
    },

    async addAudit(a) {
      const rows = await db.query(
        'INSERT INTO stagecraft_audit (at, user_name, project, action, result, detail) VALUES (?, ?, ?, ?, ?, ?) RETURNING *',
        [a.at ?? new Date().toISOString(), a.user, a.project, a.action, a.result, toJson(a.detail)],
      );
      return auditFromRow(rows[0]!);
    },

    async listAudit(limit) {
      if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0))
        throw new Error(`an audit limit must be a whole number, not ${limit}`);
      const rows =
        limit === undefined
          ? await db.query('SELECT * FROM stagecraft_audit ORDER BY id DESC')
          : await db.query('SELECT * FROM stagecraft_audit ORDER BY id DESC LIMIT ?', [limit]);
      return rows.map(auditFromRow);
    },

    async savePreview(p) {
      await db.query(
        `INSERT INTO stagecraft_previews (project, name, images, created_at, expires_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (project, name) DO UPDATE SET images = excluded.images, expires_at = excluded.expires_at`,
        [p.project, p.name, toJson(p.images), p.createdAt, p.expiresAt],
      );
    },

    async listPreviews(project) {
      const rows = project
        ? await db.query('SELECT * FROM stagecraft_previews WHERE project = ?', [project])
        : await db.query('SELECT * FROM stagecraft_previews');
      return rows.map(previewFromRow).sort((a, b) => byText(a.project, b.project) || byText(a.name, b.name));
    },

    async deletePreview(project, name) {
      const rows = await db.query(
        'DELETE FROM stagecraft_previews WHERE project = ? AND name = ? RETURNING project',
        [project, name],
      );
      return rows.length > 0;
    },

    appliedMigrations: () => appliedMigrations(db),

    close: () => db.close(),
  };
}
