import type { RenderContext } from '../render/index.ts';
import { renderServerLayout } from '../render/index.ts';
import type { SecretStore, StateStore } from '../state/index.ts';
import { recordAllocations } from './record-allocations.ts';
import { secretFileArtifacts } from './secret-values.ts';
import { type Written, writeArtifacts } from './write-artifacts.ts';

/**
 * `render --out`: every compose-target artifact written under `out` (with `secrets`, the secret
 * files too, mode 0600), then the allocations the plan used recorded so that later plans keep them.
 */
export async function renderToFolder(
  out: string,
  ctx: RenderContext,
  stores: { store: StateStore; secrets?: SecretStore | undefined },
): Promise<Written> {
  const artifacts = renderServerLayout(ctx);
  if (stores.secrets) artifacts.push(...(await secretFileArtifacts(ctx, stores.secrets)));
  const result = writeArtifacts(out, artifacts);
  await recordAllocations(stores.store, ctx.plan);
  return result;
}
