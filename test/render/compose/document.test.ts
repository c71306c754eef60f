import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { composeDocument } from '../../../src/render/index.ts';
import { sampleStack } from '../../support/sample-stack.ts';

type Services = Record<string, Record<string, unknown>>;

describe('a stack as a compose document', () => {
  const doc = composeDocument(sampleStack());
  const services = doc.services as Services;

  it('writes durations, sizes and CPUs in compose’s forms, and keys in the order the model set them', () => {
    const db = services.db!;
    assert.deepEqual(Object.keys(db), [
      'container_name',
      'image',
      'restart',
      'init',
      'labels',
      'logging',
      'cpus',
      'mem_limit',
      'env_file',
      'networks',
      'ports',
      'command',
      'healthcheck',
      'shm_size',
      'volumes',
    ]);
    assert.equal(db.cpus, 0.5);
    assert.equal(db.mem_limit, '1g');
    assert.equal(db.shm_size, '128m');
    assert.deepEqual(db.logging, {
      driver: 'json-file',
      options: { 'max-size': '10m', 'max-file': '3', labels: 'io.stagecraft.project' },
    });
    assert.deepEqual(db.healthcheck, {
      test: ['CMD-SHELL', 'pg_isready -U "$$USER"'],
      interval: '10s',
      timeout: '3s',
      retries: 3,
      start_period: '1m',
    });
    assert.equal(services['web-1']!.stop_grace_period, '30s');
  });

  it('doubles every $ of commands, environment values and healthchecks, so compose passes them on', () => {
    assert.deepEqual(services.db!.command, ['sh', '-c', 'exec postgres -c "password=$$DB_PASSWORD"']);
    assert.deepEqual(services['web-1']!.environment, { PRICE: '5$$', PORT: '8000' });
    assert.equal(services['web-1']!.command, 'serve --port "8000"');
  });

  it('ports, mounts, secrets, hosts, networks and start order in compose’s short forms', () => {
    const web = services['web-1']!;
    assert.deepEqual(services.db!.ports, ['127.0.0.1:15432:5432']);
    assert.deepEqual(services.db!.volumes, ['shop-db-data:/var/lib/postgresql/data']);
    assert.deepEqual(web.volumes, ['./config:/etc/shop:ro']);
    assert.deepEqual(web.secrets, ['API_KEY']);
    assert.deepEqual(web.extra_hosts, ['host.docker.internal:host-gateway']);
    assert.deepEqual(web.networks, {
      internal: { ipv4_address: '10.1.0.3', aliases: ['web'] },
      edge: { aliases: ['shop-web'] },
    });
    assert.deepEqual(web.depends_on, { db: { condition: 'service_healthy' } });
    const release = services['web-release']!;
    assert.deepEqual(release.depends_on, ['db'], 'only started: the list form');
    assert.deepEqual(release.profiles, ['release']);
    assert.equal(release.pid, 'host');
    assert.equal(release.privileged, true);
    assert.deepEqual(release.networks, { internal: {} });
  });

  it('networks, volumes and secret files of the stack', () => {
    assert.deepEqual(doc.networks, {
      internal: {
        name: 'shop-internal',
        driver: 'bridge',
        labels: { 'io.stagecraft.project': 'shop' },
        ipam: { config: [{ subnet: '10.1.0.0/24', ip_range: '10.1.0.192/26' }] },
      },
      edge: { name: 'shop-edge', external: true },
    });
    assert.deepEqual(doc.volumes, {
      'shop-db-data': { name: 'shop-db-data', labels: { 'io.stagecraft.project': 'shop' } },
    });
    assert.deepEqual(doc.secrets, { API_KEY: { file: './secrets/API_KEY' } });
  });
});
