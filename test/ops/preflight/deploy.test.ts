import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Container, LABEL, type Stack } from '../../../src/model/index.ts';
import { actorOf, withImages } from '../../../src/ops/deploy-images.ts';
import { digestOf, pinnedToDigests, serviceDigests } from '../../../src/ops/release-digests.ts';
import { loadSpecText } from '../../../src/spec/index.ts';
import { Size } from '../../../src/spec/units.ts';

const SPEC = `version: 1
server: { host: local, domain: example.test, capacity: { cpus: 2, memory: 4GiB } }
projects:
  shop:
    services:
      web: { type: app, build: { context: ./web } }
      jobs: { type: worker, image: ghcr.io/acme/shop-jobs:1 }
      db: { type: postgres }
`;

function spec() {
  const loaded = loadSpecText('staging.yaml', SPEC, {});
  assert.ok(loaded.spec, JSON.stringify(loaded.diagnostics));
  return loaded.spec;
}

describe('deploy', () => {
  it('runs the images it names, an image replacing a build, the rest as the spec says', () => {
    const r = withImages(spec(), 'shop', { web: 'ghcr.io/acme/shop-web:2.1' });
    assert.ok('spec' in r);
    const [web, jobs] = r.spec.projects[0]!.services;
    assert.equal(web!.image, 'ghcr.io/acme/shop-web:2.1');
    assert.equal(web!.build, undefined);
    assert.equal(jobs!.image, 'ghcr.io/acme/shop-jobs:1');
  });

  it('refuses a service the project does not have, or one whose image follows its version', () => {
    const r = withImages(spec(), 'shop', { api: 'x:1', db: 'postgres:16' });
    assert.ok('problems' in r);
    assert.deepEqual(r.problems, [
      'shop has no service api; its services are web, jobs, db',
      'shop/db is a postgres service: its image follows its version in the spec',
    ]);
  });

  it('names who deployed: STAGECRAFT_ACTOR, else the CI user, else the login', () => {
    assert.equal(
      actorOf({ STAGECRAFT_ACTOR: 'release-bot', GITHUB_ACTOR: 'octocat', USER: 'root' }),
      'release-bot',
    );
    assert.equal(
      actorOf({ GITHUB_ACTOR: 'octocat', GITHUB_RUN_ID: '42', USER: 'runner' }),
      'octocat (GitHub Actions run 42)',
    );
    assert.equal(actorOf({ GITLAB_USER_LOGIN: 'ana', CI_PIPELINE_ID: '7' }), 'ana (GitLab CI pipeline 7)');
    assert.equal(actorOf({ USER: 'marek' }), 'marek');
    assert.equal(actorOf({}), 'unknown');
  });
});

describe('release digests', () => {
  const svc = (key: string, service: string, role: string, image: string): Container => ({
    key,
    name: `shop-${key}`,
    image,
    restart: 'no',
    labels: { [LABEL.service]: service, [LABEL.role]: role },
    logging: { maxSize: Size.mebibytes(10), maxFiles: 3, labels: [] },
    networks: [],
  });
  const stack: Stack = {
    name: 'shop',
    containers: [
      svc('web-1', 'web', 'service', 'r.test/shop-web:2'),
      svc('web-release', 'web', 'release', 'r.test/shop-web:2'),
      svc('db', 'db', 'service', 'postgres:15'),
      svc('db-exporter', 'db', 'exporter', 'prometheuscommunity/postgres-exporter:v0.17.1'),
    ],
    networks: [],
    volumes: [],
    secretFiles: [],
  };
  const images = { web: 'r.test/shop-web:2', db: 'postgres:15' };

  it('keeps the digest each service ran, by service', () => {
    const digests = new Map([
      ['r.test/shop-web:2', 'r.test/shop-web@sha256:aaa'],
      ['postgres:15', 'postgres@sha256:bbb'],
    ]);
    assert.deepEqual(serviceDigests(images, digests), {
      web: 'r.test/shop-web@sha256:aaa',
      db: 'postgres@sha256:bbb',
    });
  });

  it('pins a recorded release to those digests, exporters left on their own image', () => {
    const pinned = pinnedToDigests(stack, images, {
      web: 'r.test/shop-web@sha256:aaa',
      db: 'postgres@sha256:bbb',
    });
    assert.deepEqual(
      pinned.containers.map((c) => c.image),
      [
        'r.test/shop-web@sha256:aaa',
        'r.test/shop-web@sha256:aaa',
        'postgres@sha256:bbb',
        'prometheuscommunity/postgres-exporter:v0.17.1',
      ],
    );
  });

  it("takes the RepoDigest of the image's own repository, else the image ID of a local build", () => {
    const have = {
      id: 'sha256:111',
      repoDigests: ['mirror.test/library/nginx@sha256:222', 'nginx@sha256:333'],
    };
    assert.equal(digestOf('nginx:1.27', have), 'nginx@sha256:333');
    assert.equal(digestOf('shop-web:0a1b2c3d4e5f', { id: 'sha256:444', repoDigests: [] }), 'sha256:444');
  });
});
