import { type Diagnostic, error } from '../diagnostic.ts';
import { isDnsLabel } from '../fields.ts';
import type { Spec } from '../model.ts';

const RESERVED = new Set(['shared']);
const NAME_HINT = 'use lowercase letters, digits and -, starting with a letter (such as web or beryl3)';

/** Names become container, network and DNS names: they must be DNS labels and must not collide. */
export function checkNames(spec: Spec): Diagnostic[] {
  const out: Diagnostic[] = [];
  const objectNames = new Map<string, string>();
  for (const p of spec.projects) {
    const at = ['projects', p.name];
    if (RESERVED.has(p.name)) {
      out.push({
        ...error('name.reserved', at, `"${p.name}" is reserved for the shared stack`, 'rename the project'),
        atKey: true,
      });
    } else if (!isDnsLabel(p.name)) {
      out.push({
        ...error('name.invalid', at, `project name "${p.name}" is not DNS-safe`, NAME_HINT),
        atKey: true,
      });
    }
    for (const s of p.services) {
      if (!isDnsLabel(s.name)) {
        out.push({
          ...error('name.invalid', s.path, `service name "${s.name}" is not DNS-safe`, NAME_HINT),
          atKey: true,
        });
        continue;
      }
      const longest = `${p.name}-${s.name}-${Math.max(s.replicas, 1)}`;
      if (longest.length > 63) {
        out.push({
          ...error(
            'name.long',
            s.path,
            `"${longest}" is ${longest.length} characters; container names must be at most 63`,
            'shorten the project or service name',
          ),
          atKey: true,
        });
      }
      const objectName = `${p.name}-${s.name}`;
      const owner = objectNames.get(objectName);
      if (owner) {
        out.push({
          ...error(
            'name.collision',
            s.path,
            `${p.name}/${s.name} and ${owner} would both be named "${objectName}"`,
            'rename one of them',
          ),
          atKey: true,
        });
      } else objectNames.set(objectName, `${p.name}/${s.name}`);
    }
  }
  return out;
}
