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

/** Ports data services and exporters listen on inside their containers. */
export const SERVICE_PORTS = {
  postgres: 5432,
  redis: 6379,
  rabbitmq: 5672,
  rabbitmqManagement: 15672,
  postgresExporter: 9187,
  redisExporter: 9121,
} as const;

/** `stagecraft serve` on the host: its API and `/metrics`, which Prometheus scrapes. */
export const CONTROL_PLANE_PORT = 9300;

/** The host as the shared Prometheus reaches it from its container (an `extra_hosts` entry). */
export const HOST_GATEWAY_NAME = 'host.docker.internal';
