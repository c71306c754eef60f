/** SSH host key checking: the known_hosts format, and the verifier the Docker driver hands to ssh2. */
export {
  type HostKeyDecision,
  type HostKeyPolicy,
  HostKeyRejected,
  hostKeyAlgorithms,
  hostKeyPolicy,
  verifyHostKey,
} from './host-key.ts';
export {
  checkHostKey,
  entryNames,
  fingerprintOf,
  type HostKeyVerdict,
  type HostPatterns,
  type KnownHostEntry,
  keyTypeOf,
  knownHostsLine,
  knownHostsName,
  knownKeyTypes,
  parseKnownHosts,
} from './known-hosts.ts';
