import type { SecretLocation } from './location.ts';
import type { SecretStore } from './secret-store.ts';
import { openFileSecretStore } from './secret-store-files.ts';
import { openPostgresSecretStore } from './secret-store-postgres.ts';

/** Files under `dir` (`<dir>/<project>/<NAME>`), or the PostgreSQL state store's table. */
export async function openSecretStore(location: SecretLocation): Promise<SecretStore> {
  return 'dir' in location
    ? openFileSecretStore(location.dir)
    : openPostgresSecretStore(location.databaseUrl);
}
