import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { dockerFor } from '../../src/drivers/docker/client.ts';

describe('the engine client', () => {
  it('loads without the gRPC and SSH stacks, until a BuildKit session or an ssh:// host needs them', () => {
    const docker = dockerFor('local', {});
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    assert.ok(
      loaded.some((p) => p.includes('/node_modules/dockerode/')),
      'dockerode itself is loaded',
    );
    for (const heavy of ['/node_modules/@grpc/', '/node_modules/protobufjs/', '/node_modules/ssh2/'])
      assert.equal(
        loaded.filter((p) => p.includes(heavy)).length,
        0,
        `${heavy} is loaded before anything needs it`,
      );
    assert.equal(typeof docker.buildImage, 'function');
  });
});
