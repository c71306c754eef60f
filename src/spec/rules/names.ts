import { type Diagnostic, diagnostic } from '../diagnostic.ts';
import { isDnsLabel } from '../fields.ts';
import type { Spec } from '../model.ts';

const RESERVED = new Set(['shared']);

/** Names become container, network and DNS names: they must be DNS labels and must not collide. */
export function checkNames(spec: Spec): Diagnostic[] {
  const out: Diagnostic[] = [];
  const objectNames = new Map<string, string>();
  for (const p of spec.projects) {
    const at = ['projects', p.name];
    if (RESERVED.has(p.name)) {
      out.push({ ...diagnostic('SC0401', at, { name: p.name }), atKey: true });
    } else if (!isDnsLabel(p.name)) {
      out.push({ ...diagnostic('SC0402', at, { kind: 'project', name: p.name }), atKey: true });
    }
    for (const s of p.services) {
      if (!isDnsLabel(s.name)) {
        out.push({ ...diagnostic('SC0402', s.path, { kind: 'service', name: s.name }), atKey: true });
        continue;
      }
      const longest = `${p.name}-${s.name}-${Math.max(s.replicas, 1)}`;
      if (longest.length > 63) {
        out.push({
          ...diagnostic('SC0403', s.path, { name: longest, length: longest.length }),
          atKey: true,
        });
      }
      const objectName = `${p.name}-${s.name}`;
      const owner = objectNames.get(objectName);
      if (owner) {
        out.push({
          ...diagnostic('SC0404', s.path, { first: `${p.name}/${s.name}`, second: owner, name: objectName }),
          atKey: true,
        });
      } else objectNames.set(objectName, `${p.name}/${s.name}`);
    }
  }
  return out;
}
