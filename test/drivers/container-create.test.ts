import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { engineContainers } from '../../src/drivers/docker/container-create.ts';
import { Duration } from '../../src/spec/index.ts';
import { sampleStack } from '../support/sample-stack.ts';

/** The Engine API create body from the model: pure, but for reading the env files. */
describe('a stack as Engine API create bodies', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stagecraft-create-'));
  mkdirSync(join(dir, 'secrets'));
  writeFileSync(join(dir, 'secrets', 'db.env'), '# secrets\nDB_PASSWORD=s3$cret\n');
  const [db, web, release] = engineContainers(sampleStack(), dir);

  it('durations in nanoseconds, sizes in bytes, CPUs in NanoCpus; the stop grace in seconds', () => {
    assert.deepEqual(db!.options.Healthcheck, {
      Test: ['CMD-SHELL', 'pg_isready -U "$USER"'],
      Interval: 10e9,
      Timeout: 3e9,
      Retries: 3,
      StartPeriod: 60e9,
    });
    assert.equal(db!.options.HostConfig!.NanoCpus, 0.5e9);
    assert.equal(db!.options.HostConfig!.Memory, 1024 ** 3);
    assert.equal(db!.options.HostConfig!.ShmSize, 128 * 1024 ** 2);
    assert.deepEqual(db!.options.HostConfig!.LogConfig, {
      Type: 'json-file',
      Config: { 'max-size': '10m', 'max-file': '3', labels: 'io.stagecraft.project' },
    });
    assert.equal(web!.options.StopTimeout, 30);
    assert.equal(release!.options.HostConfig!.NanoCpus, undefined, 'no limits when the model sets none');
  });

  it('the environment: plain values as given, then the env files’ lines, comments left out', () => {
    assert.deepEqual(db!.options.Env, ['DB_PASSWORD=s3$cret']);
    assert.deepEqual(web!.options.Env, ['PRICE=5$', 'PORT=8000']);
  });

  it('commands as words: a line splits at spaces, quotes keep a word; a $ stays a $', () => {
    assert.deepEqual(web!.options.Cmd, ['serve', '--port', '8000']);
    assert.deepEqual(db!.options.Cmd, ['sh', '-c', 'exec postgres -c "password=$DB_PASSWORD"']);
  });

  it('binds resolve against the stack’s folder; secret files mount read-only under /run/secrets', () => {
    assert.deepEqual(db!.options.HostConfig!.Binds, ['shop-db-data:/var/lib/postgresql/data']);
    assert.deepEqual(web!.options.HostConfig!.Binds, [
      `${join(dir, 'config')}:/etc/shop:ro`,
      `${join(dir, 'secrets', 'API_KEY')}:/run/secrets/API_KEY:ro`,
    ]);
    assert.deepEqual(db!.options.HostConfig!.PortBindings, {
      '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: '15432' }],
    });
    assert.deepEqual(db!.options.ExposedPorts, { '5432/tcp': {} });
    assert.deepEqual(web!.options.HostConfig!.ExtraHosts, ['host.docker.internal:host-gateway']);
    assert.equal(release!.options.HostConfig!.PidMode, 'host');
    assert.deepEqual(release!.options.HostConfig!.Devices, [
      { PathOnHost: '/dev/kmsg', PathInContainer: '/dev/kmsg', CgroupPermissions: 'rwm' },
    ]);
  });

  it('the first network at create, by its engine name with address and aliases; the others joined after', () => {
    assert.equal(web!.options.HostConfig!.NetworkMode, 'shop-internal');
    assert.deepEqual(web!.options.NetworkingConfig, {
      EndpointsConfig: { 'shop-internal': { IPAMConfig: { IPv4Address: '10.1.0.3' }, Aliases: ['web'] } },
    });
    assert.deepEqual(web!.networks, [{ name: 'shop-edge', endpoint: { Aliases: ['shop-web'] } }]);
  });

  it('the spec hash: a label on the body, the same for the same model, another when a value changes', () => {
    assert.equal(db!.options.Labels!['io.stagecraft.spec-hash'], db!.hash);
    assert.equal(engineContainers(sampleStack(), dir)[0]!.hash, db!.hash);
    const slower = sampleStack();
    const first = slower.containers[0]!;
    const changed = {
      ...slower,
      containers: [{ ...first, healthcheck: { ...first.healthcheck!, interval: Duration.seconds(11) } }],
    };
    assert.notEqual(engineContainers(changed, dir)[0]!.hash, db!.hash);
  });

  it('a missing env file is an error that names it', () => {
    assert.throws(
      () => engineContainers(sampleStack(), join(dir, 'elsewhere')),
      /secrets\/db.env is missing/,
    );
  });
});
