import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { imageProblems, networkProblems, portProblems } from '../../../src/ops/preflight/checks.ts';
import { LAYER_DONE, layerBar } from '../../../src/ops/preflight/layer-bar.ts';
import { buildTag, parseImageRef, repositoryOf, underMirror } from '../../../src/render/image-ref.ts';

describe('image references', () => {
  it('reads the registry, repository, tag and digest as the engine does', () => {
    assert.deepEqual(parseImageRef('postgres:15'), {
      registry: 'docker.io',
      repository: 'library/postgres',
      tag: '15',
    });
    assert.deepEqual(parseImageRef('prom/prometheus:v3.5.0'), {
      registry: 'docker.io',
      repository: 'prom/prometheus',
      tag: 'v3.5.0',
    });
    assert.deepEqual(parseImageRef('127.0.0.1:5000/team/app'), {
      registry: '127.0.0.1:5000',
      repository: 'team/app',
    });
    assert.deepEqual(parseImageRef('localhost/app:1@sha256:abc'), {
      registry: 'localhost',
      repository: 'app',
      tag: '1',
      digest: 'sha256:abc',
    });
    assert.deepEqual(parseImageRef('ghcr.io/acme/shop-web:2.1'), {
      registry: 'ghcr.io',
      repository: 'acme/shop-web',
      tag: '2.1',
    });
    assert.equal(repositoryOf('127.0.0.1:5000/team/app'), '127.0.0.1:5000/team/app');
    assert.equal(repositoryOf('127.0.0.1:5000/team/app:1'), '127.0.0.1:5000/team/app');
    assert.equal(repositoryOf('app@sha256:abc'), 'app');
  });

  it('puts official names under a mirror prefix: the Hub by full path, other registries by host', () => {
    assert.equal(
      underMirror('registry.internal:5000/hub/', 'postgres:15'),
      'registry.internal:5000/hub/library/postgres:15',
    );
    assert.equal(
      underMirror('registry.internal:5000/hub', 'prom/alertmanager:v0.28.1'),
      'registry.internal:5000/hub/prom/alertmanager:v0.28.1',
    );
    assert.equal(
      underMirror('m.example/', 'quay.io/prometheuscommunity/postgres-exporter:v0.17.1'),
      'm.example/quay.io/prometheuscommunity/postgres-exporter:v0.17.1',
    );
  });

  it('tags a build with its project, service and the start of its content hash', () => {
    assert.equal(buildTag('shop', 'web', 'a1b2c3d4e5f60718293a'), 'shop-web:a1b2c3d4e5f6');
  });
});

describe('preflight decisions', () => {
  it('names each spec subnet that overlaps a network of the engine, not the ones up would keep', () => {
    const problems = networkProblems(
      [
        { name: 'shared', subnet: '172.19.0.0/16' },
        { name: 'shop-internal', subnet: '172.20.0.0/24' },
      ],
      [
        { name: 'shared', subnets: ['172.19.0.0/16'] },
        { name: 'legacy', subnets: ['172.19.128.0/20'] },
        { name: 'bridge', subnets: ['172.17.0.0/16'] },
      ],
    );
    assert.deepEqual(problems, [
      "network shared: its subnet 172.19.0.0/16 overlaps the engine's network legacy (172.19.128.0/20); choose another range in network: of the spec, or remove legacy",
    ]);
  });

  it('names host ports held by another container or a host process, and lets this environment keep its own', () => {
    const problems = portProblems(
      [
        { port: 5432, container: 'shop-db' },
        { port: 6379, container: 'shop-cache' },
        { port: 8000, container: 'shop-web-1' },
        { port: 8001, container: 'shop-web-2' },
      ],
      {
        listening: new Set([5432, 6379, 8000]),
        foreign: new Map([[6379, 'someone-redis']]),
        ours: new Set([8000]),
      },
    );
    assert.deepEqual(problems, [
      'port 5432 (shop-db): something on the host listens on it already',
      'port 6379 (shop-cache): the container someone-redis publishes it already',
    ]);
  });

  it('names each image that could not be had, and the tags there are when none was given', () => {
    const problems = imageProblems([
      { image: 'nginx:1.27', state: 'present' },
      { image: 'r:5000/app:9', state: 'failed', action: 'pull', reason: 'manifest unknown' },
      {
        image: 'r:5000/app',
        state: 'failed',
        action: 'pull',
        reason: 'not found',
        otherTags: ['r:5000/app:1', 'r:5000/app:2'],
      },
      { image: 'shop-web:0a1b', state: 'failed', action: 'build', reason: 'RUN false: exit 1' },
    ]);
    assert.equal(problems.length, 3);
    assert.equal(problems[0], 'image r:5000/app:9: the pull failed: manifest unknown');
    assert.match(problems[1]!, /names no tag, so it means :latest.*it has r:5000\/app:1, r:5000\/app:2/);
    assert.equal(problems[2], 'image shop-web:0a1b: the build failed: RUN false: exit 1');
  });

  it('draws a pull as a bar over its layers', () => {
    assert.ok(
      LAYER_DONE.test('Pull complete') &&
        LAYER_DONE.test('Already exists') &&
        !LAYER_DONE.test('Download complete'),
    );
    const bar = layerBar([
      { id: 'a', status: 'Pull complete', total: 2_000_000 },
      { id: 'b', status: 'Already exists' },
      { id: 'c', status: 'Downloading', current: 1, total: 3_000_000 },
      { id: 'd', status: 'Waiting' },
    ]);
    assert.equal(bar, `[${'█'.repeat(10)}${'░'.repeat(10)}] 2/4 layers, 5.0 MB`);
  });
});
