import {
  type Artifact,
  generatedSecrets,
  type RenderContext,
  renderSecretFiles,
  secretsNeeded,
} from '../render/index.ts';
import type { SecretStore } from '../state/index.ts';

/**
 * The secret files (mode 0600) for `up` and `render --with-secrets`: generated credentials are
 * created on first use, every other secret comes from the store (a missing one is a plan error
 * before this runs).
 */
export async function secretFileArtifacts(ctx: RenderContext, secrets: SecretStore): Promise<Artifact[]> {
  const values = new Map<string, string>();
  for (const g of generatedSecrets(ctx.spec))
    values.set(`${g.project}/${g.name}`, await secrets.ensureGenerated(g.project, g.name));
  for (const { project, name } of secretsNeeded(ctx)) {
    const key = `${project}/${name}`;
    if (!values.has(key)) values.set(key, (await secrets.get(project, name)) ?? '');
  }
  return renderSecretFiles(ctx, (project, name) => values.get(`${project}/${name}`) ?? '');
}
