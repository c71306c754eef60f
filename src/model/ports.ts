/** Ports every target agrees on: where things listen inside their containers, and on the host. */

/** The shared stack's components: the port each listens on inside its container. */
export const SHARED_PORTS = {
  proxy: 80,
  proxyTls: 443,
  /** nginx stub_status for the local exporter only. */
  proxyStatus: 8081,
  proxyExporter: 9113,
  prometheus: 9090,
  alertmanager: 9093,
  grafana: 3000,
  loki: 3100,
  alloy: 12345,
  nodeExporter: 9100,
  cadvisor: 8080,
  /** mtail: the proxy's per-app request counts and latencies (from its access log). */
  proxyMetrics: 3903,
  /** UDP: where the proxy sends its access log, as syslog, to mtail. */
  proxyLog: 5140,
} as const;

/**
 * How long the proxy keeps an answer of Docker's DNS (`resolver … valid=`): after a replica joins or
 * leaves its alias, this long at most until the proxy sends to it, or stops sending to it.
 */
export const PROXY_DNS_VALID_S = 1;

/** Ports data services and exporters listen on inside their containers. */
export const SERVICE_PORTS = {
  postgres: 5432,
  redis: 6379,
  rabbitmq: 5672,
  rabbitmqManagement: 15672,
  postgresExporter: 9187,
  redisExporter: 9121,
} as const;

/**
 * `stagecraft serve`'s `/metrics`: on 127.0.0.1 of the host, and on the proxy's shared-network
 * address, where the proxy lets only Prometheus through to the control plane's socket.
 */
export const CONTROL_PLANE_PORT = 9300;

/**
 * Where `serve` answers `/metrics` for Prometheus: a unix socket in a folder of the shared stack's
 * own (relative to it), which only the proxy mounts (at `mountedAt`). A TCP listener on the host would be
 * reachable from every container: they all reach every address of the host's bridges.
 */
export const CONTROL_PLANE_SOCKET = {
  folder: 'control-plane',
  name: 'metrics.sock',
  mountedAt: '/run/stagecraft-control-plane',
} as const;
