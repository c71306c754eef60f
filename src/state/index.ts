/** `state`: the store (SQLite by default, PostgreSQL by URL), its migrations, and the secret store. */
export { type Database, openPostgres, openSqlite } from './database.ts';
export { resolveStateLocation, type StateLocation } from './location.ts';
export { migrate } from './migrate.ts';
export { MIGRATIONS, type Migration } from './migrations.ts';
export * from './records.ts';
export { generateValue, InvalidSecretName, openSecretStore, type SecretStore } from './secrets.ts';
export { openStore } from './store.ts';
