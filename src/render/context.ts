import type { Plan } from '../plan/index.ts';
import type { Spec } from '../spec/index.ts';

/** Everything a renderer may read. Renderers are pure functions of this. */
export interface RenderContext {
  spec: Spec;
  plan: Plan;
}
