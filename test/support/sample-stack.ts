import type { Stack } from '../../src/model/index.ts';
import { Cpus, Duration, Size } from '../../src/spec/index.ts';

/** A small stack using every field of the model: an app with a secret env file, a database, a one-off. */
export function sampleStack(): Stack {
  return {
    name: 'shop',
    containers: [
      {
        key: 'db',
        name: 'shop-db',
        image: 'postgres:17',
        restart: 'unless-stopped',
        init: true,
        labels: { 'io.stagecraft.project': 'shop' },
        logging: { maxSize: Size.mebibytes(10), maxFiles: 3, labels: ['io.stagecraft.project'] },
        resources: { cpus: Cpus.millicores(500), memory: Size.gibibytes(1) },
        envFiles: ['secrets/db.env'],
        networks: [{ network: 'internal', ipv4: '10.1.0.2', aliases: ['db'] }],
        ports: [{ hostIp: '127.0.0.1', hostPort: 15432, containerPort: 5432 }],
        command: ['sh', '-c', 'exec postgres -c "password=$DB_PASSWORD"'],
        healthcheck: {
          test: ['CMD-SHELL', 'pg_isready -U "$USER"'],
          interval: Duration.seconds(10),
          timeout: Duration.seconds(3),
          retries: 3,
          startPeriod: Duration.minutes(1),
        },
        shmSize: Size.mebibytes(128),
        mounts: [{ type: 'volume', volume: 'shop-db-data', target: '/var/lib/postgresql/data' }],
      },
      {
        key: 'web-1',
        name: 'shop-web-1',
        image: 'shop-web:1',
        command: 'serve --port "8000"',
        restart: 'unless-stopped',
        labels: { 'io.stagecraft.project': 'shop' },
        logging: { maxSize: Size.mebibytes(10), maxFiles: 3, labels: ['io.stagecraft.project'] },
        environment: { PRICE: '5$', PORT: '8000' },
        networks: [
          { network: 'internal', ipv4: '10.1.0.3', aliases: ['web'] },
          { network: 'edge', aliases: ['shop-web'] },
        ],
        stopGracePeriod: Duration.seconds(30),
        mounts: [{ type: 'bind', source: './config', target: '/etc/shop', readOnly: true }],
        secrets: ['API_KEY'],
        extraHosts: [{ name: 'host.docker.internal', address: 'host-gateway' }],
        dependsOn: [{ key: 'db', condition: 'healthy' }],
      },
      {
        key: 'web-release',
        name: 'shop-web-release',
        image: 'shop-web:1',
        command: ['sh', '-c', 'migrate'],
        restart: 'no',
        oneOff: 'release',
        labels: { 'io.stagecraft.project': 'shop' },
        logging: { maxSize: Size.mebibytes(10), maxFiles: 3, labels: ['io.stagecraft.project'] },
        networks: [{ network: 'internal' }],
        hostPid: true,
        privileged: true,
        devices: ['/dev/kmsg'],
        dependsOn: [{ key: 'db', condition: 'started' }],
      },
    ],
    networks: [
      {
        key: 'internal',
        name: 'shop-internal',
        driver: 'bridge',
        labels: { 'io.stagecraft.project': 'shop' },
        subnet: '10.1.0.0/24',
        ipRange: '10.1.0.192/26',
      },
      { key: 'edge', name: 'shop-edge', external: true },
    ],
    volumes: [{ name: 'shop-db-data', labels: { 'io.stagecraft.project': 'shop' } }],
    secretFiles: [{ name: 'API_KEY', file: './secrets/API_KEY' }],
  };
}
