import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  checkHostKey,
  fingerprintOf,
  type KnownHostEntry,
  keyTypeOf,
  knownHostsLine,
  knownHostsName,
  knownKeyTypes,
  parseKnownHosts,
} from './known-hosts.ts';

/**
 * How a server's SSH host key is checked, like OpenSSH's `StrictHostKeyChecking=yes`, or
 * `accept-new` with `STAGECRAFT_SSH_ACCEPT_NEW=1`: the files to read and where a new key goes.
 */
export interface HostKeyPolicy {
  readonly files: readonly string[];
  readonly appendTo: string;
  readonly acceptNew: boolean;
}

export function hostKeyPolicy(env: Readonly<Record<string, string | undefined>>): HostKeyPolicy {
  const acceptNew = ['1', 'true', 'yes'].includes((env.STAGECRAFT_SSH_ACCEPT_NEW ?? '').toLowerCase());
  if (env.STAGECRAFT_KNOWN_HOSTS)
    return { files: [env.STAGECRAFT_KNOWN_HOSTS], appendTo: env.STAGECRAFT_KNOWN_HOSTS, acceptNew };
  const user = join(env.HOME || homedir(), '.ssh', 'known_hosts');
  return { files: [user, '/etc/ssh/ssh_known_hosts'], appendTo: user, acceptNew };
}

/** The server's host key is not trusted: the connection is refused before authenticating. */
export class HostKeyRejected extends Error {
  override name = 'HostKeyRejected';
}

export type HostKeyDecision =
  | { readonly accept: true; readonly added?: string }
  | { readonly accept: false; readonly error: HostKeyRejected };

/**
 * Checks the key a server at `host:port` offers against the policy's known_hosts files; with
 * accept-new, a host no file knows gets its key appended (`added` says so). Reads the files on
 * every connection, so a key another connection just added is seen.
 */
export function verifyHostKey(
  host: string,
  port: number,
  key: Buffer,
  policy: HostKeyPolicy,
): HostKeyDecision {
  const name = knownHostsName(host, port);
  const verdict = checkHostKey(readKnownHosts(policy.files), name, key);
  const offered = `${keyTypeOf(key) ?? 'unknown key type'} ${fingerprintOf(key)}`;
  const where = `${host} port ${port}`;
  const reject = (message: string): HostKeyDecision => ({
    accept: false,
    error: new HostKeyRejected(message),
  });
  switch (verdict.status) {
    case 'known':
      return { accept: true };
    case 'unknown': {
      if (policy.acceptNew) {
        appendKnownHost(policy.appendTo, knownHostsLine(name, key));
        return {
          accept: true,
          added: `added the SSH host key of ${where} (${offered}) to ${policy.appendTo} (STAGECRAFT_SSH_ACCEPT_NEW)`,
        };
      }
      const scan = keyscanType(key);
      return reject(
        [
          `the SSH host key of ${where} is unknown: ${offered} is in none of ${policy.files.join(', ')}.`,
          `Check that fingerprint out of band (on the server: ssh-keygen -lf /etc/ssh/ssh_host_${scan ?? '*'}_key.pub), then trust it:`,
          `  ssh-keyscan -p ${port}${scan ? ` -t ${scan}` : ''} ${host} >> ${policy.appendTo}`,
          `or set STAGECRAFT_KNOWN_HOSTS to a known_hosts file that has it, or STAGECRAFT_SSH_ACCEPT_NEW=1 to record a new host's key on first use.`,
        ].join('\n'),
      );
    }
    case 'changed':
    case 'other-type': {
      const held = verdict.entries
        .map((e) => `${e.keyType} ${fingerprintOf(e.key)} (${e.file}:${e.line})`)
        .join(', ');
      return reject(
        [
          `the SSH host key of ${where} has CHANGED: the server offers ${offered}, but known_hosts holds ${held}.`,
          'Someone may be intercepting the connection (man-in-the-middle), or the server was reinstalled; refusing to connect.',
          `If the new key is legitimate (check its fingerprint out of band), remove the old entry with ssh-keygen -R '${name}' -f ${verdict.entries[0]!.file} and add the new one.`,
        ].join('\n'),
      );
    }
    case 'revoked':
      return reject(
        `the SSH host key of ${where}, ${offered}, is REVOKED (${verdict.entry.file}:${verdict.entry.line}); refusing to connect.`,
      );
  }
}

/**
 * The host key algorithms to offer, those of the keys known for the server first: a server with
 * several host keys then shows the one on record (OpenSSH orders them the same way).
 */
export function hostKeyAlgorithms(host: string, port: number, policy: HostKeyPolicy): string[] {
  const known = knownKeyTypes(readKnownHosts(policy.files), knownHostsName(host, port));
  const preferred = known.flatMap((t) =>
    t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t],
  );
  return [...new Set([...preferred, ...ALGORITHMS])].filter((a) => ALGORITHMS.includes(a));
}

/** ssh2's default host key algorithms (it also supports ssh-dss, which OpenSSH dropped). */
const ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

function readKnownHosts(files: readonly string[]): KnownHostEntry[] {
  return files.flatMap((file) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return []; // a missing or unreadable file knows no host; the message lists the files read
    }
    return parseKnownHosts(text, file);
  });
}

function appendKnownHost(file: string, line: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  appendFileSync(file, `${text && !text.endsWith('\n') ? '\n' : ''}${line}\n`);
}

function keyscanType(key: Buffer): string | undefined {
  const type = keyTypeOf(key);
  if (type === 'ssh-ed25519') return 'ed25519';
  if (type?.startsWith('ecdsa-sha2-')) return 'ecdsa';
  if (type === 'ssh-rsa') return 'rsa';
  return undefined;
}
