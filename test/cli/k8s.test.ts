import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runStagecraft as stagecraft } from '../support/stagecraft-cli.ts';

const root = join(import.meta.dirname, '..', '..');

function workspace(example: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'stagecraft-k8s-'));
  cpSync(join(root, 'examples', example, 'staging.yaml'), join(dir, 'staging.yaml'));
  return dir;
}

describe('stagecraft render --target k8s and verify isolation --target k8s', () => {
  it('writes the kustomize tree, and verify isolation finds the matrix in it (exit 0)', () => {
    const dir = workspace('robson-k8s');
    const out = join(dir, 'out');
    const r = stagecraft(['render', '--target', 'k8s', '--out', out], dir);
    assert.equal(r.code, 0, r.err);
    for (const f of [
      'base/projects/robson/network-policies.yaml',
      'base/shared/prometheus-rules.yaml',
      'overlays/staging/kustomization.yaml',
      'argocd/argocd.yaml',
    ])
      assert.ok(existsSync(join(out, f)), f);

    for (const args of [[], ['--dir', out]]) {
      const v = stagecraft(['verify', 'isolation', '--target', 'k8s', ...args], dir);
      assert.equal(v.code, 0, v.err);
      assert.match(v.out, /the NetworkPolicies give the isolation matrix: \d+ pairs and ports/);
    }
  });

  it('exits 1 naming each pair a hand-broken policy opens', () => {
    const dir = workspace('robson-k8s');
    const out = join(dir, 'out');
    assert.equal(stagecraft(['render', '--target', 'k8s', '--out', out], dir).code, 0);
    const file = join(out, 'base/projects/robson/network-policies.yaml');
    const text = readFileSync(file, 'utf8');
    // Someone "fixes" a scrape by letting the whole monitoring namespace reach the frontend's port 3000.
    const broken = text.replace(
      /(name: backend-from-monitoring[\s\S]*?io\.stagecraft\.service: )backend([\s\S]*?port: )8000/,
      '$1frontend$23000',
    );
    assert.notEqual(broken, text, 'the policy to break is there');
    writeFileSync(file, broken);
    const v = stagecraft(['verify', 'isolation', '--target', 'k8s', '--dir', out], dir);
    assert.equal(v.code, 1, v.out + v.err);
    assert.match(v.err, /shared\/prometheus -> robson\/frontend:3000: the matrix says denied/);
    assert.match(v.err, /shared\/prometheus -> robson\/backend:8000: the matrix says allowed/);
  });

  it('refuses --with-secrets and unknown targets with exit 2', () => {
    const dir = workspace('demo');
    const r = stagecraft(['render', '--target', 'k8s', '--with-secrets', '--out', join(dir, 'out')], dir);
    assert.equal(r.code, 2);
    assert.match(r.err, /--with-secrets is for the compose target/);
    const u = stagecraft(['verify', 'isolation', '--target', 'swarm'], dir);
    assert.equal(u.code, 2);
    assert.match(u.err, /unknown target "swarm"/);
  });
});
