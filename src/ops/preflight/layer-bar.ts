import type { LayerProgress } from '../../drivers/docker/pull.ts';

const WIDTH = 20;

/** A layer's last status in a pull: fetched and unpacked, or already on the engine. */
export const LAYER_DONE = /^(Pull complete|Already exists)$/;

/** `[██████░░░░] 3/5 layers, 41.2 MB`: a pull's progress over its layers, for one progress line. */
export function layerBar(layers: readonly LayerProgress[]): string {
  const done = layers.filter((l) => LAYER_DONE.test(l.status)).length;
  const bytes = layers.reduce((sum, l) => sum + (l.total ?? 0), 0);
  const filled = layers.length ? Math.round((done / layers.length) * WIDTH) : 0;
  const size = bytes ? `, ${(bytes / 1e6).toFixed(1)} MB` : '';
  return `[${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}] ${done}/${layers.length} layers${size}`;
}
