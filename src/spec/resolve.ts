import { resourcesOf, SERVICE_RESOURCES } from './defaults.ts';
import { type Diagnostic, diagnostic } from './diagnostic.ts';
import type { Project, Route, Service, Spec } from './model.ts';
import type { ParsedSpec } from './schema.ts';

/** Fills what depends on other fields: project domains, full resources, and app routes. */
export function resolveSpec(parsed: ParsedSpec, file: string): { spec: Spec; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const projects: Project[] = [];
  for (const [name, p] of Object.entries(parsed.projects)) {
    let domain = p.domain;
    if (!domain) {
      if (parsed.server.domain) domain = `${name}.${parsed.server.domain}`;
      else {
        diagnostics.push(diagnostic('SC0710', ['projects', name], { project: name }));
        domain = `${name}.invalid`;
      }
    }
    const services: Service[] = [];
    let rootTaken = false;
    for (const [serviceName, s] of Object.entries(p.services)) {
      const defaults = resourcesOf(SERVICE_RESOURCES[s.type]);
      const resources = {
        cpus: s.resources?.cpus ?? defaults.cpus,
        memory: s.resources?.memory ?? defaults.memory,
      };
      const base = {
        ...s,
        name: serviceName,
        project: name,
        path: ['projects', name, 'services', serviceName],
        resources,
      };
      if (s.type === 'app' && s.routes) {
        const resolvedRoutes: Route[] = s.routes.map((r) => ({ host: r.host ?? domain, path: r.path }));
        if (resolvedRoutes.some((r) => r.host === domain && r.path === '/')) rootTaken = true;
        services.push({ ...base, resolvedRoutes } as Service);
      } else
        services.push(s.type === 'app' ? ({ ...base, resolvedRoutes: [] } as Service) : (base as Service));
    }
    // An app with no routes takes the project's domain at `/`, unless another app has it already.
    for (const s of services) {
      if (s.type === 'app' && s.routes === undefined && !rootTaken) {
        s.resolvedRoutes = [{ host: domain, path: '/' }];
        rootTaken = true;
      }
    }
    projects.push({ ...p, name, domain, services });
  }
  return { spec: { ...parsed, file, projects }, diagnostics };
}
