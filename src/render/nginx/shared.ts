import {
  CONTROL_PLANE_PORT,
  CONTROL_PLANE_SOCKET,
  SHARED,
  SHARED_PORTS,
  sharedAddress,
} from '../../model/index.ts';
import type { Spec } from '../../spec/index.ts';
import { b, type Directive, d } from './block.ts';
import { logLabels } from './log.ts';

/**
 * Requests for host names nobody serves are dropped (444: close without an answer) rather than
 * sent to whichever vhost nginx would pick first; on 443 the handshake itself is refused.
 */
export function defaultServers(spec: Spec): Directive[] {
  const servers = [
    b(
      'server',
      [],
      [d('listen', SHARED_PORTS.proxy, 'default_server'), ...logLabels('-', '-'), d('return', 444)],
    ),
  ];
  if (spec.shared.proxy.tls !== 'none')
    servers.push(
      b(
        'server',
        [],
        [d('listen', SHARED_PORTS.proxyTls, 'ssl', 'default_server'), d('ssl_reject_handshake', 'on')],
      ),
    );
  return servers;
}

/** `stub_status` on its own port, for the exporter on the shared network and the container's health check. */
export function statusServer(spec: Spec): Directive {
  return b(
    'server',
    [],
    [
      d('listen', SHARED_PORTS.proxyStatus),
      ...logLabels(SHARED, 'proxy'),
      d('access_log', 'off'),
      b(
        'location',
        ['=', '/nginx_status'],
        [
          d('stub_status'),
          d('allow', '127.0.0.1'),
          d('allow', spec.network.shared.toString()),
          d('deny', 'all'),
        ],
      ),
      b('location', ['/'], [d('return', 404)]),
    ],
  );
}

/**
 * The control plane's `/metrics` for Prometheus: `serve` answers on a unix socket that only this
 * container mounts, and this listener (on the shared-network address, which no project can reach)
 * lets Prometheus's fixed address through and nobody else.
 */
export function controlPlaneServer(spec: Spec): Directive[] {
  if (spec.shared.monitoring.prometheus === false) return [];
  const socket = `${CONTROL_PLANE_SOCKET.mountedAt}/${CONTROL_PLANE_SOCKET.name}`;
  return [
    b(
      'server',
      [],
      [
        d('listen', `${sharedAddress(spec, 'proxy')}:${CONTROL_PLANE_PORT}`),
        ...logLabels(SHARED, 'stagecraft'),
        d('access_log', 'off'),
        b(
          'location',
          ['=', '/metrics'],
          [
            d('allow', sharedAddress(spec, 'prometheus')),
            d('deny', 'all'),
            // A socket, not a name: nothing to resolve, and nginx starts whether serve runs or not.
            d('proxy_pass', `http://unix:${socket}:/metrics`),
          ],
        ),
        b('location', ['/'], [d('return', 404)]),
      ],
    ),
  ];
}
