import { mkdirSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { mutexFor } from './mutex.ts';
import type { Database, Row, SqlValue } from './sql.ts';

const BUSY_TIMEOUT_MS = 5000;

/** SQLite's primary result codes for a file that is not (or no longer) a database. */
const SQLITE_CORRUPT = 11;
const SQLITE_NOTADB = 26;

/**
 * The error to show for `e`: a damaged file says which, what is lost and how to go on; any other
 * error is returned as it is.
 */
function diagnosed(file: string, e: unknown): unknown {
  const code = (e as { errcode?: number }).errcode;
  if (code === undefined || ![SQLITE_CORRUPT, SQLITE_NOTADB].includes(code & 0xff)) return e;
  return new Error(
    `the state store ${file} is damaged (${(e as Error).message}). Put back a copy of it if you have one; ` +
      `or move it aside (mv ${file} ${file}.damaged) and run stagecraft up, which records the ports and ` +
      'subnets again from the spec (stagecraft plan shows them first): the release history, backup ' +
      'records, events and API tokens it held are lost, the secrets (kept apart from it) and the data are not',
  );
}

/**
 * A SQLite file through `node:sqlite` (parent directories created, WAL mode, a busy timeout).
 *
 * node:sqlite blocks the thread while it waits for a lock, so two connections to one file in one
 * process could wait on each other forever; every operation on a file therefore goes through that
 * file's mutex. Other processes are handled by SQLite's own locking and the busy timeout.
 */
export function openSqlite(path: string): Database {
  const file = resolve(path);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(file);
  } catch (e) {
    throw new Error(`cannot open the state store ${file}: ${(e as Error).message}`);
  }
  const guard = <T>(work: () => T): T => {
    try {
      return work();
    } catch (e) {
      throw diagnosed(file, e);
    }
  };
  try {
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
  } catch (e) {
    db.close();
    const d = diagnosed(file, e);
    throw d === e ? new Error(`cannot open the state store ${file}: ${(e as Error).message}`) : d;
  }
  const mutex = mutexFor(realpathSync(file));

  const run = (sql: string, params: readonly SqlValue[]) =>
    guard(() => db.prepare(sql).all(...params) as Row[]);
  const exec = (sql: string) => guard(() => db.exec(sql));

  const inTransaction: Database = {
    dialect: 'sqlite',
    query: async (sql, params = []) => run(sql, params),
    exec: async (sql) => {
      exec(sql);
    },
    transaction: (work) => work(inTransaction),
    close: () => Promise.reject(new Error('cannot close the state store inside a transaction')),
  };

  let closed = false;
  return {
    dialect: 'sqlite',
    query: (sql, params = []) => mutex.run(() => run(sql, params)),
    exec: (sql) =>
      mutex.run(() => {
        exec(sql);
      }),
    transaction: (work) =>
      mutex.run(async () => {
        exec('BEGIN IMMEDIATE');
        try {
          const result = await work(inTransaction);
          exec('COMMIT');
          return result;
        } catch (e) {
          if (db.isTransaction) db.exec('ROLLBACK');
          throw e;
        }
      }),
    close: () =>
      mutex.run(() => {
        if (closed) return;
        closed = true;
        db.close();
      }),
  };
}
