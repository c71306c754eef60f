import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runStagecraft as stagecraft } from '../support/stagecraft-cli.ts';

const root = join(import.meta.dirname, '..', '..');

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

describe('stagecraft gitops push', () => {
  it('commits the rendered tree, nothing when unchanged, and removes a removed service’s files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stagecraft-gitops-test-'));
    const bare = join(dir, 'deploy.git');
    git(dir, 'init', '--quiet', '--bare', bare);
    cpSync(join(root, 'examples', 'demo', 'staging.yaml'), join(dir, 'staging.yaml'));
    const spec = join(dir, 'staging.yaml');
    const text = readFileSync(spec, 'utf8').replace(
      '\n  images: local\n',
      `\n  images: local\n  kubernetes: { gitops: { repo: ${JSON.stringify(bare)}, branch: main, path: clusters/demo } }\n`,
    );
    writeFileSync(spec, text);
    const commits = () => Number(git(bare, 'rev-list', '--count', 'main'));
    const checkout = () => {
      const clone = mkdtempSync(join(tmpdir(), 'stagecraft-gitops-clone-'));
      git(clone, 'clone', '--quiet', '--branch', 'main', bare, '.');
      return clone;
    };

    const first = stagecraft(['gitops', 'push', '--message', 'first'], dir);
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /pushed [0-9a-f]{12} to .* main: \d+ files changed, 0 removed/);
    assert.equal(commits(), 1);
    const clone = checkout();
    assert.ok(existsSync(join(clone, 'clusters/demo/overlays/staging/kustomization.yaml')));
    assert.ok(existsSync(join(clone, 'clusters/demo/base/projects/shop/service-cache.yaml')));
    assert.equal(git(clone, 'log', '-1', '--format=%s'), 'first');

    const second = stagecraft(['gitops', 'push'], dir);
    assert.equal(second.code, 0, second.err);
    assert.match(second.out, /already holds this rendering: nothing to commit/);
    assert.equal(commits(), 1, 'an unchanged rendering commits nothing');

    const withoutCache = text
      .replace(
        '      cache: { type: redis, resources: { cpus: 0.05, memory: 64MiB } }\n      queue:',
        '      queue:',
      )
      .replace('uses: [db, cache]', 'uses: [db]');
    assert.notEqual(withoutCache, text);
    writeFileSync(spec, withoutCache);
    // The spec in a repository of its own: the commit names the spec's revision.
    git(dir, 'init', '--quiet');
    git(dir, 'add', 'staging.yaml');
    git(dir, '-c', 'user.name=t', '-c', 'user.email=t@localhost', 'commit', '--quiet', '-m', 'spec');
    const third = stagecraft(['gitops', 'push'], dir);
    assert.equal(third.code, 0, third.err);
    assert.equal(commits(), 2);
    const after = checkout();
    assert.equal(
      git(after, 'log', '-1', '--format=%s'),
      `stagecraft: render staging from staging.yaml at ${git(dir, 'rev-parse', '--short=12', 'HEAD')}`,
    );
    assert.equal(existsSync(join(after, 'clusters/demo/base/projects/shop/service-cache.yaml')), false);
    assert.ok(
      existsSync(join(after, 'clusters/demo/base/projects/blog/service-cache.yaml')),
      'only the removed one',
    );
    assert.doesNotMatch(
      readFileSync(join(after, 'clusters/demo/base/projects/shop/kustomization.yaml'), 'utf8'),
      /service-cache/,
    );
  });

  it('refuses a spec without server.kubernetes.gitops with exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stagecraft-gitops-test-'));
    cpSync(join(root, 'examples', 'demo', 'staging.yaml'), join(dir, 'staging.yaml'));
    const r = stagecraft(['gitops', 'push'], dir);
    assert.equal(r.code, 2);
    assert.match(r.err, /server\.kubernetes\.gitops is not set/);
  });
});
