import type pg from 'pg';
import type { Database, Row, SqlValue } from './sql.ts';

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:…@');
}

/** `?` placeholders to PostgreSQL's `$1, $2, …`. */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** PostgreSQL through a `pg` pool. Fails at once when the server cannot be reached. */
export async function openPostgres(url: string): Promise<Database> {
  // allowExitOnIdle: a command that forgets close() still exits.
  // Loaded only for a PostgreSQL store: every command that uses SQLite starts without it.
  const { default: driver } = await import('pg');
  const pool = new driver.Pool({ connectionString: url, max: 4, allowExitOnIdle: true });
  // A dropped idle connection must not crash the process: the next query reports the trouble.
  pool.on('error', () => undefined);
  try {
    await pool.query('SELECT 1');
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new Error(`cannot reach the PostgreSQL state store ${redactUrl(url)}: ${(e as Error).message}`);
  }

  const over = (client: pg.Pool | pg.PoolClient): Pick<Database, 'dialect' | 'query' | 'exec'> => ({
    dialect: 'postgres',
    async query(sql, params: readonly SqlValue[] = []) {
      return (await client.query(numberPlaceholders(sql), params as SqlValue[])).rows as Row[];
    },
    async exec(sql) {
      await client.query(sql);
    },
  });

  let closed = false;
  return {
    ...over(pool),
    async transaction(work) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const tx: Database = {
          ...over(client),
          transaction: (inner) => inner(tx),
          close: () => Promise.reject(new Error('cannot close the state store inside a transaction')),
        };
        const result = await work(tx);
        await client.query('COMMIT');
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          broken = rollbackError;
        });
        throw e;
      } finally {
        // A connection whose rollback failed is not given back to the pool.
        client.release(broken);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
