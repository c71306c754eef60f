import { execFileSync } from 'node:child_process';

/** Runs git in a working tree: no shell, the arguments as given; its trimmed standard output. */
export type Git = (...args: string[]) => string;

/**
 * Git in `cwd`, with the caller's environment. Never prompts (a repository that wants a password
 * it was not given fails at once), and commits as `stagecraft` unless the environment names someone.
 */
export function gitIn(cwd: string, env: Readonly<Record<string, string | undefined>>): Git {
  const identity = {
    GIT_AUTHOR_NAME: env.GIT_AUTHOR_NAME ?? 'stagecraft',
    GIT_AUTHOR_EMAIL: env.GIT_AUTHOR_EMAIL ?? 'stagecraft@localhost',
    GIT_COMMITTER_NAME: env.GIT_COMMITTER_NAME ?? 'stagecraft',
    GIT_COMMITTER_EMAIL: env.GIT_COMMITTER_EMAIL ?? 'stagecraft@localhost',
  };
  return (...args) =>
    execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...env, GIT_TERMINAL_PROMPT: '0', ...identity },
    }).trim();
}
