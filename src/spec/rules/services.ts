import { type Diagnostic, error } from '../diagnostic.ts';
import type { Spec } from '../model.ts';

/** Rules that join fields of one service or of the shared stack. */
export function checkServices(spec: Spec): Diagnostic[] {
  const out: Diagnostic[] = [];
  const proxy = spec.shared.proxy;
  if (proxy.tls === 'letsencrypt' && !proxy.email && !spec.server.acme.email) {
    out.push(
      error(
        'tls.email',
        ['shared', 'proxy', 'tls'],
        'tls: letsencrypt needs an account email for the ACME registration',
        'add server.acme.email (or shared.proxy.email), or use tls: selfsigned',
      ),
    );
  }
  const am = spec.shared.monitoring.alertmanager;
  const receivers = am === false ? [] : am.receivers;
  const names = new Set<string>();
  receivers.forEach((r, i) => {
    const at = ['shared', 'monitoring', 'alertmanager', 'receivers', i];
    if (names.has(r.name))
      out.push(error('receiver.duplicate', [...at, 'name'], `receiver ${r.name} is defined twice`));
    names.add(r.name);
    if (r.webhook && spec.server.images === 'local') {
      out.push(
        error(
          'receiver.webhook-local',
          [...at, 'webhook'],
          `receiver ${r.name}: Debian's Alertmanager (0.25, the local image) cannot read a webhook URL from a secret file`,
          'use images: registry (Alertmanager 0.26 or later), or an email or slack receiver',
        ),
      );
    }
    if (!r.email && !r.slack && !r.webhook) {
      out.push(
        error('receiver.empty', at, `receiver ${r.name} sends nowhere`, 'give it email, slack or webhook'),
      );
    }
  });

  for (const p of spec.projects) {
    const receiver = p.alerts.receiver;
    if (receiver && !names.has(receiver)) {
      out.push(
        error(
          'receiver.unknown',
          ['projects', p.name, 'alerts', 'receiver'],
          `project ${p.name} sends alerts to ${receiver}, which is not a receiver`,
          names.size
            ? `receivers: ${[...names].join(', ')}`
            : 'define it under shared.monitoring.alertmanager.receivers',
        ),
      );
    }
    if (p.services.length === 0) {
      out.push(error('project.empty', ['projects', p.name, 'services'], `project ${p.name} has no services`));
    }
    for (const s of p.services) {
      const runsCode = s.type === 'app' || s.type === 'worker' || s.type === 'cron';
      if (runsCode && !s.image && !s.build) {
        out.push(
          error(
            'image.missing',
            s.path,
            `${p.name}/${s.name} needs an image or a build`,
            'add image: REF or build: { context: DIR }',
          ),
        );
      }
      if (s.image && s.build) {
        out.push(
          error(
            'image.both',
            [...s.path, 'build'],
            `${p.name}/${s.name} gives both image and build`,
            'keep one of them',
          ),
        );
      }
      if (!runsCode && s.replicas > 1) {
        out.push(
          error(
            'replicas.data',
            [...s.path, 'replicas'],
            `${p.name}/${s.name} is a ${s.type}: it runs as one instance`,
            'set replicas: 1 (or 0 to keep it stopped)',
          ),
        );
      }
    }
  }
  return out;
}
