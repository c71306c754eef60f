import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The real `nginx -t` on a rendered config under `prefix` (DIR/shared/nginx). It binds every
 * listener, and the direct listeners bind the proxy's address in the shared network, which this
 * machine does not have: so it runs in a network namespace of its own where those addresses are
 * on the loopback interface, as they are in the proxy's container.
 */
export function nginxTest(prefix: string, args: readonly string[] = []) {
  const files = readdirSync(prefix, { recursive: true, withFileTypes: true }).filter(
    (f) => f.isFile() && f.name.endsWith('.conf'),
  );
  const text = files.map((f) => readFileSync(join(f.parentPath, f.name), 'utf8')).join('\n');
  const addresses = [
    ...new Set([...text.matchAll(/^\s*listen (\d+\.\d+\.\d+\.\d+):\d+/gm)].map((m) => m[1]!)),
  ];
  const setup = ['ip link set lo up', ...addresses.map((a) => `ip addr add ${a}/32 dev lo`)].join(' && ');
  // stdout to /dev/null: the config logs to /dev/stdout, which a socket or pipe may not let nginx open.
  return spawnSync(
    'unshare',
    [
      '--net',
      'sh',
      '-c',
      `${setup} && exec /usr/sbin/nginx "$@"`,
      'nginx',
      '-t',
      ...args,
      '-p',
      `${prefix}/`,
      '-c',
      'nginx.conf',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] },
  );
}
