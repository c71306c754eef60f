import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

/**
 * The docker CLI's trimmed stdout. A failed command fails the test, so an empty listing means
 * "none", never "the engine could not be asked".
 */
export function docker(...args: string[]): string {
  const r = spawnSync('docker', args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `docker ${args.join(' ')}: ${r.stderr}${r.error ?? ''}`);
  return r.stdout.trim();
}
