import { type Diagnostic, diagnostic, type Path, type Spec } from '../spec/index.ts';

export interface SecretUse {
  project: string;
  name: string;
  path: Path;
  user: string;
}

/** Every secret the spec names, with who names it; `shared` owns the shared stack's. */
export function secretUses(spec: Spec): SecretUse[] {
  const out: SecretUse[] = [];
  for (const [host, r] of Object.entries(spec.server.registries))
    out.push({
      project: 'shared',
      name: r.password.secret,
      path: ['server', 'registries', host, 'password'],
      user: `registry ${host}`,
    });
  const am = spec.shared.monitoring.alertmanager;
  if (am !== false) {
    am.receivers.forEach((r, i) => {
      const at = ['shared', 'monitoring', 'alertmanager', 'receivers', i];
      if (r.slack)
        out.push({
          project: 'shared',
          name: r.slack.secret,
          path: [...at, 'slack', 'secret'],
          user: `receiver ${r.name}`,
        });
      if (r.webhook)
        out.push({
          project: 'shared',
          name: r.webhook.secret,
          path: [...at, 'webhook', 'secret'],
          user: `receiver ${r.name}`,
        });
    });
    if (am.smtp?.password) {
      out.push({
        project: 'shared',
        name: am.smtp.password.secret,
        path: ['shared', 'monitoring', 'alertmanager', 'smtp', 'password'],
        user: 'alertmanager smtp',
      });
    }
  }
  for (const p of spec.projects) {
    for (const s of p.services) {
      s.secrets.forEach((name, i) => {
        out.push({ project: p.name, name, path: [...s.path, 'secrets', i], user: `${p.name}/${s.name}` });
      });
      if (s.type === 'postgres' && s.backup && s.backup.remote) {
        const r = s.backup.remote;
        out.push({
          project: p.name,
          name: r.accessKey.secret,
          path: [...s.path, 'backup', 'remote', 'accessKey'],
          user: `${p.name}/${s.name} backups`,
        });
        out.push({
          project: p.name,
          name: r.secretKey.secret,
          path: [...s.path, 'backup', 'remote', 'secretKey'],
          user: `${p.name}/${s.name} backups`,
        });
      }
    }
  }
  return out;
}

/** A secret named by the spec but not set is an error that names the project, the user and the secret. */
export function checkSecretsSet(spec: Spec, isSet: (project: string, name: string) => boolean): Diagnostic[] {
  return secretUses(spec)
    .filter((u) => !isSet(u.project, u.name))
    .map((u) => diagnostic('SC0806', u.path, { name: u.name, user: u.user, project: u.project }));
}
