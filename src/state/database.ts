import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';

export type Row = Record<string, unknown>;

/** The little SQL both backends share: `?` placeholders, rows as plain objects, transactions. */
export interface Database {
  readonly dialect: 'sqlite' | 'postgres';
  query(sql: string, params?: unknown[]): Promise<Row[]>;
  exec(sql: string): Promise<void>;
  transaction<T>(work: (db: Database) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function openSqlite(path: string): Database {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;');
  let depth = 0;
  const self: Database = {
    dialect: 'sqlite',
    async query(sql, params = []) {
      const statement = db.prepare(sql);
      if (/^\s*(select|with)\b/i.test(sql) || /\breturning\b/i.test(sql))
        return statement.all(...(params as never[])) as Row[];
      statement.run(...(params as never[]));
      return [];
    },
    async exec(sql) {
      db.exec(sql);
    },
    async transaction(work) {
      // node:sqlite is synchronous, so a transaction cannot interleave with another in this process.
      if (depth > 0) return work(self);
      depth++;
      db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(self);
        db.exec('COMMIT');
        return result;
      } catch (e) {
        db.exec('ROLLBACK');
        throw e;
      } finally {
        depth--;
      }
    },
    async close() {
      db.close();
    },
  };
  return self;
}

const toPg = (sql: string) => {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
};

export async function openPostgres(url: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  await pool.query('SELECT 1').catch(async (e: Error) => {
    await pool.end();
    throw new Error(`cannot reach the PostgreSQL state store: ${e.message.replace(/:\/\/[^@]*@/, '://…@')}`);
  });
  const over = (client: pg.Pool | pg.PoolClient, inTransaction: boolean): Database => ({
    dialect: 'postgres',
    async query(sql, params = []) {
      return (await client.query(toPg(sql), params)).rows as Row[];
    },
    async exec(sql) {
      await client.query(sql);
    },
    async transaction(work) {
      if (inTransaction) return work(this);
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        const result = await work(over(c, true));
        await c.query('COMMIT');
        return result;
      } catch (e) {
        await c.query('ROLLBACK');
        throw e;
      } finally {
        c.release();
      }
    },
    async close() {
      await pool.end();
    },
  });
  return over(pool, false);
}
