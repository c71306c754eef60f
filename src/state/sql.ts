/** The little SQL surface both backends share. */

export type Row = Record<string, unknown>;
export type SqlValue = string | number | bigint | null;
export type Dialect = 'sqlite' | 'postgres';

export interface Database {
  readonly dialect: Dialect;
  /** One statement with `?` placeholders (never inside string literals); its rows, if any. */
  query(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
  /** Several statements, no parameters. */
  exec(sql: string): Promise<void>;
  /**
   * Runs `work` in a transaction: committed when it resolves, rolled back when it throws. Inside,
   * use only the handle it is given. A nested call joins the outer transaction.
   */
  transaction<T>(work: (tx: Database) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
