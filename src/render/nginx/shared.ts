import { SHARED, SHARED_PORTS } from '../../model/index.ts';
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
