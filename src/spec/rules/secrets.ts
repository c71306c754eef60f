import { type Diagnostic, error } from '../diagnostic.ts';
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
      for (const [key, value] of Object.entries(s.env)) {
        const at = [...s.path, 'env', key];
        if (!ENV_NAME.test(key)) {
          out.push({
            ...error(
              'env.name',
              at,
              `"${key}" is not a valid environment variable name`,
              'use letters, digits and _',
            ),
            atKey: true,
          });
        } else if (SECRET_LIKE.test(key.toUpperCase()) && value !== '') {
          out.push(
            error(
              'secret.inline',
              at,
              `env ${key} of ${p.name}/${s.name} holds what looks like a secret value; secrets never go in the spec`,
              `remove it from env, add ${key} to the service's secrets list and run \`stagecraft secrets set ${p.name} ${key}\` (value on standard input)`,
            ),
          );
        } else if (URL_WITH_PASSWORD.test(value)) {
          out.push(
            error(
              'secret.inline',
              at,
              `env ${key} of ${p.name}/${s.name} is a URL with a password in it; secrets never go in the spec`,
              `name the service in uses to get its URL injected, or store the URL with \`stagecraft secrets set ${p.name} ${key}\` and list ${key} under secrets`,
            ),
          );
        }
        if (s.secrets.includes(key)) {
          out.push(
            error(
              'secret.duplicate',
              at,
              `${key} is both an env value and a secret of ${p.name}/${s.name}`,
              'keep it in secrets only',
            ),
          );
        }
      }
      const seen = new Set<string>();
      s.secrets.forEach((name, i) => {
        if (seen.has(name))
          out.push(error('secret.repeated', [...s.path, 'secrets', i], `secret ${name} is listed twice`));
        seen.add(name);
      });
    }
  }
  return out;
}
