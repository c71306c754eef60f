import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  checkHostKey,
  fingerprintOf,
  hostKeyAlgorithms,
  hostKeyPolicy,
  keyTypeOf,
  knownHostsLine,
  knownHostsName,
  parseKnownHosts,
  verifyHostKey,
} from '../../src/drivers/ssh/index.ts';

// Public keys made with ssh-keygen; the fingerprints are what `ssh-keygen -lf` printed for them.
const ED25519 = 'AAAAC3NzaC1lZDI1NTE5AAAAIC6IUzFJQO9L9es5am6dQuRkFo1ulqXzbJm0lnL/ku8v';
const ED25519_FP = 'SHA256:nDmKCvySOOzNw+dmLs9gdg1UnrTZqD0OYF1ehPMg/bY';
const OTHER_ED25519 = 'AAAAC3NzaC1lZDI1NTE5AAAAIPYGDf6FKMe3l5ZUglbR6NAPQQ1evCd6+izgUoBkPFhn';
const OTHER_FP = 'SHA256:w6fTOsqL9SBF7PCz6DVZwbjwZyi+jzSfX1txN/T4SlM';
const ECDSA =
  'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBDxrWWn3o5on2raoGsSwwkId+VD6TFYmZ2aGOhUGxcqUi6HfkNAu09MhEpWwRUxkxaQIRjpijYAXAkvohzO3Mv4=';
const ECDSA_FP = 'SHA256:g+547W7pVu/PsEtliSRmuS1Ycuhyg5d4XswecX8zDzQ';
const RSA =
  'AAAAB3NzaC1yc2EAAAADAQABAAABAQD6IQWmwI6lDWQZKk9oLHyQ/D3UUJcXLMMTp/WEgFGH7huheAlDR8dLvgkyoDGwxCZOt7alls76741i+SKrmd7/sD0BQitX0OAzJLc68ysVlY8AWmoxnQWopv0wuZ+KIpF5PqAyOelkpp1PPQaWjxgz7WgQ9vC9O3fAZvipKUZc8EdArannWC4+94PYadBtJFwzzjSHcFuMf8WvCOtPrmDxz2xjLEo5/B8Iu00XCbruG3OAc8tQy1pLbLdylt063nffnOs3ZzsRc8KqzKxhFcfgxXQ7esZ5IUNE+jP5l0d92pSjFcPmaJtngb55+ZuctLqfCzno80DyeNNTCn9eyHUv';
const RSA_FP = 'SHA256:f2dUF9XmBEDNqph0ApR2zxiP+PtnpbzZw/+siS9Xixg';
/** `[stage.example]:2222 ssh-ed25519 ED25519` hashed by `ssh-keygen -H`. */
const HASHED_BY_OPENSSH = `|1|yGFEpifv2VTdtW+YxM9QJZVEV04=|b6Q8RG39C/7P8SXuLMLB47EAXUc= ssh-ed25519 ${ED25519}`;

const blob = (b64: string) => Buffer.from(b64, 'base64');
const status = (text: string, name: string, key: string) =>
  checkHostKey(parseKnownHosts(text), name, blob(key)).status;

describe('known_hosts (pure)', () => {
  it('names a server as ssh does: host on port 22, [host]:port otherwise, in lower case', () => {
    assert.equal(knownHostsName('Stage.Example', 22), 'stage.example');
    assert.equal(knownHostsName('127.0.0.1', 2222), '[127.0.0.1]:2222');
  });

  it('takes fingerprints and key types from the blob, as ssh-keygen -lf does', () => {
    assert.equal(fingerprintOf(blob(ED25519)), ED25519_FP);
    assert.equal(fingerprintOf(blob(ECDSA)), ECDSA_FP);
    assert.equal(fingerprintOf(blob(RSA)), RSA_FP);
    assert.deepEqual(
      [ED25519, ECDSA, RSA].map((k) => keyTypeOf(blob(k))),
      ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ssh-rsa'],
    );
    assert.equal(keyTypeOf(Buffer.from('junk')), undefined);
  });

  it('parses names, comma lists, [host]:port, comments, markers, and skips malformed lines', () => {
    const text = [
      '# comment',
      '',
      `stage.example,10.0.0.5 ssh-ed25519 ${ED25519} root@stage`,
      `[stage.example]:2222 ecdsa-sha2-nistp256 ${ECDSA}`,
      `@revoked * ssh-rsa ${RSA}`,
      `@cert-authority *.example ssh-ed25519 ${OTHER_ED25519}`,
      `@bogus stage.example ssh-ed25519 ${ED25519}`,
      'stage.example ssh-ed25519',
      `stage.example ssh-rsa ${ED25519}`,
      `stage.example ssh-ed25519 not*base64`,
    ].join('\n');
    const entries = parseKnownHosts(text, '/k');
    assert.deepEqual(
      entries.map((e) => [`${e.file}:${e.line}`, e.marker, e.keyType]),
      [
        ['/k:3', undefined, 'ssh-ed25519'],
        ['/k:4', undefined, 'ecdsa-sha2-nistp256'],
        ['/k:5', 'revoked', 'ssh-rsa'],
        ['/k:6', 'cert-authority', 'ssh-ed25519'],
      ],
    );
    assert.equal(status(text, 'stage.example', ED25519), 'known');
    assert.equal(status(text, '10.0.0.5', ED25519), 'known');
    assert.equal(status(text, '[stage.example]:2222', ECDSA), 'known');
    assert.equal(status(text, '[stage.example]:2222', ED25519), 'other-type', 'the port is part of the name');
    assert.equal(status(text, 'stage.example', RSA), 'revoked');
    assert.equal(status(text, 'elsewhere', RSA), 'revoked', '@revoked * names every host');
    assert.equal(status(text, 'a.example', OTHER_ED25519), 'unknown', 'cert-authority lines are ignored');
  });

  it('tells a changed key from an unknown host', () => {
    const text = `stage.example ssh-ed25519 ${ED25519}\n`;
    const verdict = checkHostKey(parseKnownHosts(text, '/k'), 'stage.example', blob(OTHER_ED25519));
    assert.equal(verdict.status, 'changed');
    assert.equal(
      verdict.status === 'changed' && `${verdict.entries[0]!.file}:${verdict.entries[0]!.line}`,
      '/k:1',
    );
    assert.equal(status(text, 'stage.example', RSA), 'other-type');
    assert.equal(status(text, 'other.example', ED25519), 'unknown');
    assert.equal(status('', 'stage.example', ED25519), 'unknown');
  });

  it('accepts rsa-sha2-* in the type field as the ssh-rsa key it is', () => {
    assert.equal(status(`h rsa-sha2-512 ${RSA}`, 'h', RSA), 'known');
  });

  it('matches wildcards and negations, case-insensitively', () => {
    const text = `*.Example,!secret.example ssh-ed25519 ${ED25519}\n[10.0.0.?]:2222 ssh-ed25519 ${ED25519}`;
    assert.equal(status(text, 'stage.example', ED25519), 'known');
    assert.equal(status(text, 'secret.example', ED25519), 'unknown');
    assert.equal(status(text, 'example', ED25519), 'unknown');
    assert.equal(status(text, '[10.0.0.7]:2222', ED25519), 'known');
    assert.equal(status(text, '[10.0.0.17]:2222', ED25519), 'unknown');
  });

  it('matches hashed names: one hashed here with HMAC-SHA1, one hashed by ssh-keygen -H', () => {
    const salt = randomBytes(20);
    const hash = createHmac('sha1', salt).update('[127.0.0.1]:2222').digest();
    const text = `|1|${salt.toString('base64')}|${hash.toString('base64')} ssh-ed25519 ${OTHER_ED25519}`;
    assert.equal(status(text, '[127.0.0.1]:2222', OTHER_ED25519), 'known');
    assert.equal(status(text, '127.0.0.1', OTHER_ED25519), 'unknown');
    assert.equal(status(text, '[127.0.0.1]:2222', ED25519), 'changed');
    assert.equal(status(HASHED_BY_OPENSSH, '[stage.example]:2222', ED25519), 'known');
    assert.equal(status(HASHED_BY_OPENSSH, 'stage.example', ED25519), 'unknown');
  });

  it('writes the line ssh-keyscan would', () => {
    assert.equal(knownHostsLine('[h]:2222', blob(ED25519)), `[h]:2222 ssh-ed25519 ${ED25519}`);
  });
});

describe('host key policy and verdicts (files in a temp folder)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stagecraft-known-hosts-'));

  it('reads STAGECRAFT_KNOWN_HOSTS, else ~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts', () => {
    assert.deepEqual(hostKeyPolicy({ STAGECRAFT_KNOWN_HOSTS: '/k', STAGECRAFT_SSH_ACCEPT_NEW: '1' }), {
      files: ['/k'],
      appendTo: '/k',
      acceptNew: true,
    });
    assert.deepEqual(hostKeyPolicy({ HOME: '/home/u' }), {
      files: ['/home/u/.ssh/known_hosts', '/etc/ssh/ssh_known_hosts'],
      appendTo: '/home/u/.ssh/known_hosts',
      acceptNew: false,
    });
  });

  it('explains an unknown host with its fingerprint and how to trust it', () => {
    const file = join(dir, 'empty');
    const d = verifyHostKey('10.0.0.5', 2222, blob(ED25519), {
      files: [file],
      appendTo: file,
      acceptNew: false,
    });
    assert.equal(d.accept, false);
    const message = d.accept ? '' : d.error.message;
    assert.match(message, /host key of 10\.0\.0\.5 port 2222 is unknown: ssh-ed25519 /);
    assert.ok(message.includes(ED25519_FP), message);
    assert.ok(message.includes(`ssh-keyscan -p 2222 -t ed25519 10.0.0.5 >> ${file}`), message);
    assert.match(message, /STAGECRAFT_KNOWN_HOSTS/);
  });

  it('refuses a changed key even with accept-new, and appends only a new host', () => {
    const file = join(dir, 'accept-new');
    writeFileSync(file, `[10.0.0.5]:2222 ssh-ed25519 ${ED25519}`); // no trailing newline
    const policy = { files: [file], appendTo: file, acceptNew: true };
    const changed = verifyHostKey('10.0.0.5', 2222, blob(OTHER_ED25519), policy);
    assert.equal(changed.accept, false);
    const message = changed.accept ? '' : changed.error.message;
    assert.match(message, /has CHANGED/);
    assert.match(message, /man-in-the-middle/);
    assert.ok(message.includes(OTHER_FP) && message.includes(ED25519_FP) && message.includes(`${file}:1`));

    const added = verifyHostKey('10.0.0.6', 22, blob(OTHER_ED25519), policy);
    assert.equal(added.accept && added.added?.includes(OTHER_FP), true);
    assert.equal(
      readFileSync(file, 'utf8'),
      `[10.0.0.5]:2222 ssh-ed25519 ${ED25519}\n10.0.0.6 ssh-ed25519 ${OTHER_ED25519}\n`,
    );
    assert.deepEqual(verifyHostKey('10.0.0.6', 22, blob(OTHER_ED25519), policy), { accept: true });
  });

  it('asks for the known key types first', () => {
    const file = join(dir, 'types');
    writeFileSync(file, `[h]:2222 ssh-rsa ${RSA}\n`);
    const policy = { files: [file], appendTo: file, acceptNew: false };
    assert.deepEqual(hostKeyAlgorithms('h', 2222, policy).slice(0, 4), [
      'rsa-sha2-512',
      'rsa-sha2-256',
      'ssh-rsa',
      'ssh-ed25519',
    ]);
    assert.equal(hostKeyAlgorithms('other', 22, policy)[0], 'ssh-ed25519');
  });
});
