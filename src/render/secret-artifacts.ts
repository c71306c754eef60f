import { createHash } from 'node:crypto';
import { containerSlots, secretUses } from '../plan/index.ts';
import { type Artifact, file } from './artifact.ts';
import { sharedComponents } from './compose/shared.ts';
import { containerEnvironment, fillSecrets, secretRef } from './container-environment.ts';
import type { RenderContext } from './context.ts';
import { generatedSecrets, passwordSecret } from './credentials.ts';
import { HTPASSWD } from './nginx/index.ts';

/** nginx's `{SSHA}` scheme; the salt comes from the password so the file is the same on every render. */
function ssha(password: string): string {
  const salt = createHash('sha256').update(`stagecraft:${password}`).digest().subarray(0, 8);
  const digest = createHash('sha1').update(password).update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
}

export type SecretLookup = (project: string, name: string) => string;

/**
 * The files that hold secret values, mode 0600: `projects/<p>/secrets/<container>.env` for the
 * compose `env_file`s, and `shared/secrets/<NAME>` for the shared stack's compose secrets. Only
 * `up` and `render --with-secrets` produce these; every other artifact references them.
 */
export function renderSecretFiles(ctx: RenderContext, lookup: SecretLookup): Artifact[] {
  const out: Artifact[] = [];
  for (const p of ctx.spec.projects) {
    const byName = new Map(p.services.map((s) => [s.name, s]));
    for (const slot of containerSlots(p)) {
      const s = byName.get(slot.service)!;
      const env = containerEnvironment(ctx.spec, p, s, slot);
      if (Object.keys(env.secret).length === 0) continue;
      out.push(file(`projects/${p.name}/secrets/${slot.key}.env`, envFile(env.secret, lookup), 0o600));
    }
    for (const s of p.services) {
      if (s.type === 'postgres' && s.backup) {
        out.push(
          file(
            `projects/${p.name}/secrets/${s.name}-backup.env`,
            envFile({ POSTGRES_PASSWORD: secretRef(p.name, passwordSecret(s)) }, lookup),
            0o600,
          ),
        );
      }
    }
  }
  const shared = new Set<string>();
  for (const u of secretUses(ctx.spec)) if (u.project === 'shared') shared.add(u.name);
  const running = new Set(
    sharedComponents(ctx.spec)
      .filter((c) => !c.skipped)
      .map((c) => c.component),
  );
  for (const g of generatedSecrets(ctx.spec))
    if (g.project === 'shared' && running.has(g.service as never)) shared.add(g.name);
  for (const name of [...shared].sort())
    out.push(file(`shared/secrets/${name}`, lookup('shared', name), 0o600));
  if (shared.has('PROXY_ADMIN_PASSWORD')) {
    // The proxy's login for Prometheus and Alertmanager, which have none of their own.
    // Readable by nginx's unprivileged workers: it holds a salted hash of a 32-character random password, not the password.
    out.push(
      file(`shared/nginx/${HTPASSWD}`, `admin:${ssha(lookup('shared', 'PROXY_ADMIN_PASSWORD'))}`, 0o644),
    );
  }
  return out;
}

/** Every secret (project, name) the secret files need, found by a dry run, so the caller can fetch or generate them first. */
export function secretsNeeded(ctx: RenderContext): { project: string; name: string }[] {
  const seen = new Map<string, { project: string; name: string }>();
  const add = (project: string, name: string) => seen.set(`${project}/${name}`, { project, name });
  renderSecretFiles(ctx, (project, name) => {
    add(project, name);
    return '';
  });
  return [...seen.values()];
}

function envFile(secret: Record<string, string>, lookup: SecretLookup): string {
  return Object.entries(secret)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, template]) => {
      const value = fillSecrets(template, lookup);
      if (/[\r\n]/.test(value))
        throw new Error(`secret for ${k} has a line break, which an env file cannot hold`);
      return `${k}=${value}`;
    })
    .join('\n');
}
