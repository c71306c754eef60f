import { allRoutes, publicUrl, type Spec } from '../../spec/index.ts';

/**
 * Where users reach a shared page through the proxy (`https://prometheus.<domain>`), so links the
 * page makes (an alert's source, a silence) work outside the server. None without a server domain.
 */
export function sharedPageUrl(spec: Spec, component: 'prometheus' | 'alertmanager'): string | undefined {
  const route = allRoutes(spec).find((r) => r.owner === `shared/${component}`);
  return route ? publicUrl(spec, route.host) : undefined;
}
