import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * OpenSSH's known_hosts format (sshd(8), "SSH_KNOWN_HOSTS FILE FORMAT"), read as plain data:
 * `[@revoked|@cert-authority] patterns keytype base64-key [comment]`, where patterns are
 * comma-separated names with `*`, `?` and `!negation`, `[host]:port` for a port other than 22,
 * or one hashed name `|1|base64-salt|base64-HMAC-SHA1(salt, name)`.
 */
export interface KnownHostEntry {
  /** Where the line came from, for messages. */
  readonly file: string;
  readonly line: number;
  readonly marker: 'revoked' | 'cert-authority' | undefined;
  readonly hosts: HostPatterns;
  /** The key type inside the blob (`ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`, ...). */
  readonly keyType: string;
  /** The SSH wire-format public key blob, as the server sends it. */
  readonly key: Buffer;
}

export type HostPatterns =
  | { readonly kind: 'hashed'; readonly salt: Buffer; readonly hash: Buffer }
  | { readonly kind: 'patterns'; readonly patterns: readonly string[] };

/** Parses a known_hosts file; lines that are not entries (comments, malformed) are skipped, as ssh does. */
export function parseKnownHosts(text: string, file = 'known_hosts'): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const entry = parseLine(raw, file, i + 1);
    if (entry) entries.push(entry);
  });
  return entries;
}

function parseLine(raw: string, file: string, line: number): KnownHostEntry | undefined {
  const text = raw.trim();
  if (!text || text.startsWith('#')) return undefined;
  const fields = text.split(/[ \t]+/);
  let marker: KnownHostEntry['marker'];
  if (fields[0]?.startsWith('@')) {
    const m = fields.shift();
    if (m === '@revoked') marker = 'revoked';
    else if (m === '@cert-authority') marker = 'cert-authority';
    else return undefined;
  }
  const [hostField, typeField, keyField] = fields;
  if (!hostField || !typeField || !keyField) return undefined;
  const hosts = parseHosts(hostField);
  if (!hosts) return undefined;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(keyField)) return undefined;
  const key = Buffer.from(keyField, 'base64');
  const keyType = keyTypeOf(key);
  if (keyType === undefined || keyType !== canonicalKeyType(typeField)) return undefined;
  return { file, line, marker, hosts, keyType, key };
}

function parseHosts(field: string): HostPatterns | undefined {
  if (!field.startsWith('|')) return { kind: 'patterns', patterns: field.toLowerCase().split(',') };
  const m = /^\|1\|([A-Za-z0-9+/=]+)\|([A-Za-z0-9+/=]+)$/.exec(field);
  if (!m) return undefined;
  const salt = Buffer.from(m[1]!, 'base64');
  const hash = Buffer.from(m[2]!, 'base64');
  return salt.length === 20 && hash.length === 20 ? { kind: 'hashed', salt, hash } : undefined;
}

/** RSA keys are `ssh-rsa` in known_hosts whichever signature algorithm (rsa-sha2-256/512) signs with them. */
function canonicalKeyType(type: string): string {
  return type === 'rsa-sha2-256' || type === 'rsa-sha2-512' ? 'ssh-rsa' : type;
}

/** The name ssh looks a server up by: `host` on port 22, `[host]:port` otherwise (lower case). */
export function knownHostsName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** Whether an entry's host field names `name` (as `knownHostsName` gives it). */
export function entryNames(entry: KnownHostEntry, name: string): boolean {
  const hosts = entry.hosts;
  if (hosts.kind === 'hashed') {
    const mac = createHmac('sha1', hosts.salt).update(name).digest();
    return timingSafeEqual(mac, hosts.hash);
  }
  let matched = false;
  for (const pattern of hosts.patterns) {
    const negated = pattern.startsWith('!');
    if (!wildcard(negated ? pattern.slice(1) : pattern).test(name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

function wildcard(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\*?]/g, (c) => (c === '*' ? '.*' : c === '?' ? '.' : `\\${c}`));
  return new RegExp(`^${body}$`);
}

export type HostKeyVerdict =
  /** An entry for this host holds exactly this key. */
  | { readonly status: 'known'; readonly entry: KnownHostEntry }
  /** No entry names this host. */
  | { readonly status: 'unknown' }
  /** Entries for this host hold another key of the same type: the key changed. */
  | { readonly status: 'changed'; readonly entries: readonly KnownHostEntry[] }
  /** Entries for this host hold keys of other types only: the server offers a key never seen. */
  | { readonly status: 'other-type'; readonly entries: readonly KnownHostEntry[] }
  /** A `@revoked` line names this key for this host. */
  | { readonly status: 'revoked'; readonly entry: KnownHostEntry };

/** What the known_hosts entries say about `key` offered by the server ssh knows as `name`. */
export function checkHostKey(entries: readonly KnownHostEntry[], name: string, key: Buffer): HostKeyVerdict {
  const forHost = entries.filter((e) => e.marker !== 'cert-authority' && entryNames(e, name));
  const revoked = forHost.find((e) => e.marker === 'revoked' && e.key.equals(key));
  if (revoked) return { status: 'revoked', entry: revoked };
  const plain = forHost.filter((e) => e.marker === undefined);
  const same = plain.find((e) => e.key.equals(key));
  if (same) return { status: 'known', entry: same };
  const type = keyTypeOf(key);
  const sameType = plain.filter((e) => e.keyType === type);
  if (sameType.length > 0) return { status: 'changed', entries: sameType };
  if (plain.length > 0) return { status: 'other-type', entries: plain };
  return { status: 'unknown' };
}

/** The key types known for `name`, so the handshake can ask for those first (as ssh does). */
export function knownKeyTypes(entries: readonly KnownHostEntry[], name: string): string[] {
  const types = entries.filter((e) => e.marker === undefined && entryNames(e, name)).map((e) => e.keyType);
  return [...new Set(types)];
}

/** The key type named at the start of an SSH public key blob, or undefined if it is not one. */
export function keyTypeOf(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const n = blob.readUInt32BE(0);
  if (n === 0 || n > 64 || blob.length < 4 + n) return undefined;
  const type = blob.toString('latin1', 4, 4 + n);
  return /^[\x21-\x7e]+$/.test(type) ? type : undefined;
}

/** OpenSSH's fingerprint: `SHA256:` and the unpadded base64 of the blob's SHA-256. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The known_hosts line that trusts `key` for `name` (unhashed, like `ssh-keyscan` prints it). */
export function knownHostsLine(name: string, key: Buffer): string {
  return `${name} ${keyTypeOf(key) ?? 'unknown'} ${key.toString('base64')}`;
}
