import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { gitIn } from '../drivers/git/index.ts';
import type { Artifact } from '../render/index.ts';
import { writeArtifacts } from './write-artifacts.ts';

export interface GitopsTarget {
  repo: string;
  branch: string;
  /** The folder in the repository the tree goes in ('' for its root). */
  path: string;
}

export interface PushResult {
  /** The new commit, or undefined when the tree was already there as rendered. */
  commit?: string;
  changed: string[];
  removed: string[];
}

/**
 * `gitops push`: the rendered tree into the GitOps repository's branch, in a fresh clone: files a
 * previous push wrote and this rendering lacks are removed (a removed service's), a commit is made
 * only when something changed, and it is pushed.
 */
export function pushToGitops(
  target: GitopsTarget,
  artifacts: readonly Artifact[],
  message: string,
  env: Readonly<Record<string, string | undefined>>,
): PushResult {
  const work = mkdtempSync(join(tmpdir(), 'stagecraft-gitops-'));
  const git = gitIn(work, env);
  try {
    git('clone', '--quiet', '--no-checkout', '--', target.repo, '.');
    const remoteHasBranch = git('ls-remote', '--heads', 'origin', `refs/heads/${target.branch}`) !== '';
    if (remoteHasBranch) git('checkout', '--quiet', '-B', target.branch, `origin/${target.branch}`);
    else git('checkout', '--quiet', '--orphan', target.branch);
    const root = target.path.replace(/^\/+|\/+$/g, '');
    const written = writeArtifacts(join(work, root), artifacts);
    git('add', '--all', '--', root || '.');
    const staged = git('diff', '--cached', '--name-only');
    if (staged === '') return { changed: [], removed: [] };
    git('commit', '--quiet', '--message', message);
    git('push', '--quiet', 'origin', `HEAD:refs/heads/${target.branch}`);
    return { commit: git('rev-parse', 'HEAD'), changed: written.changed, removed: written.removed };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The spec's revision, for the commit message: the commit of the repository the spec file is in
 * (`a1b2c3d`, with `-dirty` if the file differs from it), or undefined outside a repository.
 */
export function specRevision(
  specPath: string,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const git = gitIn(dirname(specPath), env);
  try {
    const commit = git('rev-parse', '--short=12', 'HEAD');
    const dirty = git('status', '--porcelain', '--', basename(specPath)) !== '';
    return dirty ? `${commit}-dirty` : commit;
  } catch {
    return undefined;
  }
}
