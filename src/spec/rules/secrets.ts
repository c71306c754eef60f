import { type Diagnostic, diagnostic } from '../diagnostic.ts';
import type { Spec } from '../model.ts';

/** Names whose last word says secret: `DB_PASSWORD`, `DJANGO_SECRET_KEY`, `GITHUB_TOKEN` (not `TOKEN_EXPIRE_DAYS`). */
const SECRET_LIKE =
  /(^|_)(PASSWORD|PASSWD|PASS|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|SECRET_?KEY|CREDENTIALS?|DSN)$/;
/** A URL with a password in it: `postgres://user:pass@host/db`. */
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Secret values never live in the spec: an env entry that looks like one must become a secret. */
export function checkSecrets(spec: Spec): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const p of spec.projects) {
    for (const s of p.services) {
      const service = `${p.name}/${s.name}`;
      const secrets = new Set(s.secrets);
      for (const [key, value] of Object.entries(s.env)) {
        const at = [...s.path, 'env', key];
        if (!ENV_NAME.test(key)) {
          out.push({ ...diagnostic('SC0601', at, { key }), atKey: true });
        } else if (SECRET_LIKE.test(key.toUpperCase()) && value !== '') {
          out.push(diagnostic('SC0602', at, { key, service, project: p.name }));
        } else if (URL_WITH_PASSWORD.test(value)) {
          out.push(diagnostic('SC0603', at, { key, service, project: p.name }));
        }
        if (secrets.has(key)) out.push(diagnostic('SC0604', at, { key, service }));
      }
      const seen = new Set<string>();
      s.secrets.forEach((name, i) => {
        if (seen.has(name)) out.push(diagnostic('SC0605', [...s.path, 'secrets', i], { name }));
        seen.add(name);
      });
    }
  }
  return out;
}
