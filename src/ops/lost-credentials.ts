import type Docker from 'dockerode';
import { LABEL } from '../model/index.ts';
import { generatedSecrets } from '../render/index.ts';
import type { Spec } from '../spec/index.ts';
import type { SecretStore } from '../state/index.ts';

/**
 * Data volumes a new credential would not open: PostgreSQL, RabbitMQ and Grafana set their
 * password up only on an empty volume, so when the secret store no longer has it (a new state
 * folder beside the old volumes, lost secret files) the one `up` would generate is refused, and
 * only the release step's "password authentication failed" would say so, late and obscurely.
 * One line per such volume; the engine is asked only when a secret is missing.
 */
export async function lostCredentials(
  spec: Spec,
  secrets: SecretStore,
  engine: () => Promise<Docker>,
): Promise<string[]> {
  const missing = [];
  for (const g of generatedSecrets(spec))
    if (g.volume && (await secrets.get(g.project, g.name)) === undefined)
      missing.push({ ...g, volume: g.volume });
  if (!missing.length) return [];
  const docker = await engine();
  const out: string[] = [];
  for (const g of missing) {
    // Another environment's volume of the same name is not this one's data (`up` refuses it apart).
    const ours = await docker
      .getVolume(g.volume)
      .inspect()
      .then(
        (v) => v.Labels?.[LABEL.environment] === spec.environment,
        () => false,
      );
    if (ours)
      out.push(
        `${g.project}/${g.service}: the volume ${g.volume} holds data set up with a password the secret store does not have (${g.project}/${g.name}), so a newly generated one would not open it. Put the old value back with \`stagecraft secrets set ${g.project} ${g.name}\`, or start from empty with \`docker volume rm ${g.volume}\` (which deletes its data)`,
      );
  }
  return out;
}
