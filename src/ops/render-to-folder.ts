import type { Artifact, RenderContext } from '../render/index.ts';
import type { SecretStore, StateStore } from '../state/index.ts';
import { recordAllocations } from './record-allocations.ts';
import { secretFileArtifacts } from './secret-values.ts';
import { type Written, writeArtifacts } from './write-artifacts.ts';

/**
 * `render --out`: every artifact of a target written under `out` (with `secrets`, the secret files
 * too, mode 0600); with `recordAllocations`, the allocations the plan used are recorded so that
 * later plans keep them (the compose target: the server will run them).
 */
export async function renderToFolder(
  out: string,
  ctx: RenderContext,
  how: {
    render: (ctx: RenderContext) => Artifact[];
    store: StateStore;
    recordAllocations: boolean;
    secrets?: SecretStore | undefined;
  },
): Promise<Written> {
  const artifacts = how.render(ctx);
  if (how.secrets) artifacts.push(...(await secretFileArtifacts(ctx, how.secrets)));
  const result = writeArtifacts(out, artifacts);
  if (how.recordAllocations) await recordAllocations(how.store, ctx.plan);
  return result;
}
