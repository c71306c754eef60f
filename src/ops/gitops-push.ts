import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
 * only when something changed, and it is pushed. Git runs without a shell, the arguments as given.
 */
export function pushToGitops(
  target: GitopsTarget,
  artifacts: readonly Artifact[],
  message: string,
): PushResult {
  const work = mkdtempSync(join(tmpdir(), 'stagecraft-gitops-'));
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: work,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        GIT_TERMINAL_PROMPT: '0',
        GIT_AUTHOR_NAME: process.env.GIT_AUTHOR_NAME ?? 'stagecraft',
        GIT_AUTHOR_EMAIL: process.env.GIT_AUTHOR_EMAIL ?? 'stagecraft@localhost',
        GIT_COMMITTER_NAME: process.env.GIT_COMMITTER_NAME ?? 'stagecraft',
        GIT_COMMITTER_EMAIL: process.env.GIT_COMMITTER_EMAIL ?? 'stagecraft@localhost',
      },
    }).trim();
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
