import { mkdirSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { mutexFor } from './mutex.ts';
import type { Database, Row, SqlValue } from './sql.ts';

const BUSY_TIMEOUT_MS = 5000;

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
  try {
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
  } catch (e) {
    db.close();
    throw new Error(`cannot open the state store ${file}: ${(e as Error).message}`);
  }
  const mutex = mutexFor(realpathSync(file));

  const run = (sql: string, params: readonly SqlValue[]) => db.prepare(sql).all(...params) as Row[];

  const inTransaction: Database = {
    dialect: 'sqlite',
    query: async (sql, params = []) => run(sql, params),
    exec: async (sql) => {
      db.exec(sql);
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
        db.exec(sql);
      }),
    transaction: (work) =>
      mutex.run(async () => {
        db.exec('BEGIN IMMEDIATE');
        try {
          const result = await work(inTransaction);
          db.exec('COMMIT');
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
