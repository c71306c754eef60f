import type { SharedComponent } from '../../model/index.ts';
import type { Spec } from '../../spec/index.ts';
import { sharedComponents } from '../compose/shared.ts';

/**
 * The shared components that actually run: the spec's, less those the `local` image set lacks.
 * Scraping (or alerting on) one that does not run would only raise a false `ServiceDown`.
 */
export function runningComponents(spec: Spec): ReadonlySet<SharedComponent> {
  return new Set(
    sharedComponents(spec)
      .filter((c) => !c.skipped)
      .map((c) => c.component),
  );
}
