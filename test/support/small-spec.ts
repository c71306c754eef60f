/**
 * A spec with one project and its one PostgreSQL service `db` (environment `preview`, no
 * monitoring), for tests that need an environment the real engine can list or refuse. `slot`
 * keeps each test's subnets and ports apart from the others'.
 */
export function onePostgresSpec(project: string, slot: number): string {
  const net = 232 + 2 * slot;
  const port = 28400 + 1000 * slot;
  return `version: 1
environment: preview
server:
  host: local
  domain: ${project}.localhost
  capacity: { cpus: 2, memory: 4GiB }
  images: local
  listen: { http: ${28380 + slot} }
network: { shared: 10.${net}.0.0/24, projects: 10.${net + 1}.0.0/16, projectSize: 24 }
ports: { postgres: ${port}, redis: ${port + 200}, rabbitmq: ${port + 400}, app: ${port + 600} }
shared:
  proxy: { tls: none, resources: { cpus: 0.1, memory: 64MiB } }
  monitoring: { prometheus: false, grafana: false, loki: false, alertmanager: false, cadvisor: false, nodeExporter: false }
projects:
  ${project}:
    services:
      db: { type: postgres, exporter: false, resources: { cpus: 0.2, memory: 256MiB } }
`;
}
