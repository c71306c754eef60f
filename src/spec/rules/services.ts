import { type Diagnostic, diagnostic } from '../diagnostic.ts';
import { LIMITS } from '../limits.ts';
import type { Spec } from '../model.ts';

/** Rules that join fields of one service or of the shared stack. */
export function checkServices(spec: Spec): Diagnostic[] {
  const out: Diagnostic[] = [];
  const count = spec.projects.reduce((n, p) => n + p.services.length, 0);
  if (count > LIMITS.services)
    out.push(diagnostic('SC0901', ['projects'], { count, limit: LIMITS.services }));
  const proxy = spec.shared.proxy;
  if (proxy.tls === 'letsencrypt' && !proxy.email && !spec.server.acme.email) {
    out.push(diagnostic('SC0701', ['shared', 'proxy', 'tls']));
  }
  const mirror = spec.shared.registryMirror;
  const images = spec.server.images;
  if (mirror && typeof images === 'object' && ownMirror(images.mirror, mirror.port)) {
    out.push(
      diagnostic('SC0715', ['server', 'images', 'mirror'], {
        mirror: images.mirror,
        upstream: mirror.upstream,
        port: mirror.port,
      }),
    );
  }
  const am = spec.shared.monitoring.alertmanager;
  const receivers = am === false ? [] : am.receivers;
  const names = new Set<string>();
  receivers.forEach((r, i) => {
    const at = ['shared', 'monitoring', 'alertmanager', 'receivers', i];
    if (names.has(r.name)) out.push(diagnostic('SC0702', [...at, 'name'], { name: r.name }));
    names.add(r.name);
    if (r.webhook && spec.server.images === 'local') {
      out.push(diagnostic('SC0703', [...at, 'webhook'], { name: r.name }));
    }
    if (!r.email && !r.slack && !r.webhook) out.push(diagnostic('SC0704', at, { name: r.name }));
  });

  for (const p of spec.projects) {
    const receiver = p.alerts.receiver;
    if (receiver && !names.has(receiver)) {
      out.push(
        diagnostic('SC0705', ['projects', p.name, 'alerts', 'receiver'], {
          project: p.name,
          receiver,
          hint: names.size
            ? `receivers: ${[...names].join(', ')}`
            : 'define it under shared.monitoring.alertmanager.receivers',
        }),
      );
    }
    if (p.services.length === 0) {
      out.push(diagnostic('SC0706', ['projects', p.name, 'services'], { project: p.name }));
    }
    for (const s of p.services) {
      const service = `${p.name}/${s.name}`;
      const runsCode = s.type === 'app' || s.type === 'worker' || s.type === 'cron';
      if (runsCode && !s.image && !s.build) out.push(diagnostic('SC0707', s.path, { service }));
      if (s.image && s.build) out.push(diagnostic('SC0708', [...s.path, 'build'], { service }));
      if (!runsCode && s.replicas > 1) {
        out.push(diagnostic('SC0709', [...s.path, 'replicas'], { service, type: s.type }));
      }
    }
  }
  return out;
}

/** Whether a mirror prefix (`127.0.0.1:5000/hub`) names the registry mirror on this server's loopback. */
function ownMirror(prefix: string, port: number): boolean {
  const host = prefix.split('/')[0]!;
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}
