import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { caSigned, type TestCa, testCa } from '../support/certificates.ts';

/**
 * `tls: letsencrypt` end to end against Debian's Pebble (an ACME test server) on the real engine:
 * Pebble validates http-01 on the proxy's published port, and pebble-challtestsrv is its DNS,
 * answering 127.0.0.1 for the hosts this test adds (and nothing for the others). Every address is
 * 127.0.0.1. Pebble's issuing root is new at every start: it is read from its management port.
 */
const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'stagecraft');
const dir = mkdtempSync(join(tmpdir(), 'stagecraft-acme-'));
const specFile = join(dir, 'staging.yaml');
const nginxDir = join(dir, '.stagecraft', 'server', 'shared', 'nginx');

const ACME = 14100;
const ACME_MANAGEMENT = 15100;
const DNS = 18153;
const DNS_MANAGEMENT = 18155;
const HTTP = 28391;
const HTTPS = 28392;
const CONTROL_PLANE = 28397;
const HOST = 'web.certs.test';
/** A host the DNS does not know: its challenge cannot succeed. */
const UNKNOWN = 'other.certs.test';

function spec(hosts: string[]): string {
  return `version: 1
environment: preview
server:
  host: local
  domain: certs.test
  capacity: { cpus: 2, memory: 4GiB }
  images: local
  listen: { http: ${HTTP}, https: ${HTTPS} }
  acme: { directory: "https://127.0.0.1:${ACME}/dir", email: ops@certs.test }
network: { shared: 10.226.0.0/24, projects: 10.227.0.0/16, projectSize: 24 }
ports:
  postgres: { from: 28410, to: 28419 }
  redis: { from: 28420, to: 28429 }
  rabbitmq: { from: 28430, to: 28439 }
  app: { from: 28440, to: 28449 }
shared:
  proxy: { tls: letsencrypt, resources: { cpus: 0.1, memory: 64MiB } }
  monitoring: { prometheus: false, grafana: false, loki: false, alertmanager: false, cadvisor: false, nodeExporter: false }
projects:
  web:
    services:
      site:
        type: app
        image: stagecraft/demo-app:1
        resources: { cpus: 0.1, memory: 64MiB }
        health: { path: /health, interval: 10s, timeout: 2s, retries: 3, startPeriod: 2s }
        routes: [${hosts.map((h) => `{ host: ${h} }`).join(', ')}]
`;
}

/** Pebble's own HTTPS (its API) is signed by this test's CA; stagecraft trusts it through NODE_EXTRA_CA_CERTS. */
let apiCa: TestCa;
const env = { ...process.env, NO_COLOR: '1', NODE_EXTRA_CA_CERTS: join(dir, 'test-ca.pem') };

function stagecraft(args: string[]) {
  const r = spawnSync(bin, args, { cwd: dir, encoding: 'utf8', timeout: 300_000, env });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function stagecraftAsync(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { cwd: dir, env });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

const servers: ChildProcess[] = [];

/** Starts a server and resolves once its output says it is ready. */
function startServer(command: string, args: string[], ready: string, extraEnv = {}): Promise<void> {
  const child = spawn(command, args, { cwd: dir, env: { ...process.env, ...extraEnv } });
  servers.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const look = (c: Buffer) => {
      output += c;
      if (output.includes(ready)) resolve();
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.on('exit', (code) => reject(new Error(`${command} exited (${code}):\n${output}`)));
  });
}

/** A plain request to 127.0.0.1 (the management APIs). */
function call(port: number, path: string, body?: string, ca?: string): Promise<string> {
  const make = ca ? request : httpRequest;
  return new Promise((resolve, reject) => {
    const req = make(
      { host: '127.0.0.1', port, path, method: body ? 'POST' : 'GET', ...(ca ? { ca } : {}), agent: false },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () =>
          (res.statusCode ?? 0) < 300
            ? resolve(text)
            : reject(new Error(`${path}: ${res.statusCode} ${text}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

let pebbleRoot = '';
const pebbleRootFile = join(dir, 'pebble-root.pem');

/** One HTTPS request through the proxy, verified against Pebble's root: the status and the serial served. */
function httpsGet(host: string): Promise<{ status: number; serial: string }> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: HTTPS,
        path: '/health',
        servername: host,
        headers: { Host: host },
        ca: pebbleRoot,
        agent: false,
        timeout: 5000,
      },
      (res) => {
        const serial = (res.socket as TLSSocket).getPeerCertificate().serialNumber;
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, serial: normalSerial(serial) }));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ status: 0, serial: '' }));
    req.end();
  });
}

const normalSerial = (s: string) => s.toUpperCase().replace(/^0+/, '');

/** `openssl s_client` against the proxy: the chain it serves, verified against Pebble's root. */
function sClient(host: string): { trusted: boolean; out: string } {
  const r = spawnSync(
    'openssl',
    [
      's_client',
      '-connect',
      `127.0.0.1:${HTTPS}`,
      '-servername',
      host,
      '-verify_hostname',
      host,
      '-CAfile',
      pebbleRootFile,
    ],
    { input: '', encoding: 'utf8', timeout: 20_000 },
  );
  const out = r.stdout + r.stderr;
  assert.equal(r.status, 0, out);
  return { trusted: /Verify return code: 0 \(ok\)/.test(out), out };
}

function installed(host: string): X509Certificate {
  return new X509Certificate(readFileSync(join(nginxDir, 'letsencrypt', 'live', host, 'fullchain.pem')));
}

before(async () => {
  // The CA and certificate of Pebble's API (Pebble needs one; Debian's package ships none).
  apiCa = testCa(dir, 'stagecraft test API CA', 2);
  caSigned(apiCa, ['IP:127.0.0.1', 'DNS:localhost'], 2, {
    key: join(dir, 'api.key'),
    cert: join(dir, 'api.pem'),
  });
  writeFileSync(
    join(dir, 'pebble.json'),
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${ACME}`,
        managementListenAddress: `127.0.0.1:${ACME_MANAGEMENT}`,
        certificate: join(dir, 'api.pem'),
        privateKey: join(dir, 'api.key'),
        httpPort: HTTP,
        tlsPort: HTTPS,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
      },
    }),
  );
  await startServer(
    'pebble-challtestsrv',
    [
      '-defaultIPv4',
      '',
      '-defaultIPv6',
      '',
      '-dns01',
      `127.0.0.1:${DNS}`,
      '-http01',
      '',
      '-https01',
      '',
    ].concat(['-tlsalpn01', '', '-management', `127.0.0.1:${DNS_MANAGEMENT}`]),
    'Starting management server',
  );
  // As certbot's and cert-manager's CI run it: no random validation sleeps, no rejected nonces.
  await startServer(
    'pebble',
    ['-strict', '-config', join(dir, 'pebble.json'), '-dnsserver', `127.0.0.1:${DNS}`],
    'Listening on',
    { PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_AUTHZREUSE: '100' },
  );
  pebbleRoot = await call(ACME_MANAGEMENT, '/roots/0', undefined, readFileSync(apiCa.cert, 'utf8'));
  writeFileSync(pebbleRootFile, pebbleRoot);
  await call(DNS_MANAGEMENT, '/add-a', JSON.stringify({ host: HOST, addresses: ['127.0.0.1'] }));
  writeFileSync(specFile, spec([HOST]));
  const cleared = stagecraft(['down', '--volumes']);
  assert.equal(cleared.code, 0, cleared.err);
});

after(() => {
  stagecraft(['down', '--volumes']);
  for (const s of servers) s.kill();
});

describe('tls: letsencrypt against Pebble (real Docker engine)', () => {
  it('up starts the proxy on a stand-in, then Pebble issues the certificate it serves (openssl s_client against Pebble’s root)', () => {
    const r = stagecraft(['up']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /self-signed stand-in certificates for web\.certs\.test/);
    assert.match(r.err, /certificate for web\.certs\.test: issued by Pebble Intermediate CA/);
    const s = sClient(HOST);
    assert.ok(s.trusted, s.out);
    assert.match(s.out, /issuer=CN ?= ?Pebble Intermediate CA/);

    const listed = stagecraft(['certs', '--json']);
    assert.equal(listed.code, 0, listed.err);
    const [c] = JSON.parse(listed.out) as { host: string; issuer: string; expiresAt: string; due: null }[];
    assert.equal(c?.host, HOST);
    assert.match(c!.issuer, /^Pebble Intermediate CA/);
    assert.equal(c!.due, null);
    assert.equal(c!.expiresAt, installed(HOST).validToDate.toISOString());
    const table = stagecraft(['certs']);
    assert.match(table.out, /web\.certs\.test\s+Pebble Intermediate CA \w+\s+\d{4}-\d\d-\d\d\s+\d+d\s+ok/);
  });

  it('a forced renewal replaces it while every request through the proxy is answered', async (t) => {
    const before = normalSerial(installed(HOST).serialNumber);
    assert.equal((await httpsGet(HOST)).serial, before);
    let stop = false;
    const seen: { status: number; serial: string }[] = [];
    const load = (async () => {
      while (!stop) seen.push(await httpsGet(HOST));
    })();
    const started = Date.now();
    const renew = await stagecraftAsync(['certs', 'renew', '--force']);
    const took = Date.now() - started;
    const after = normalSerial(installed(HOST).serialNumber);
    // Keep asking until the proxy serves the new one (nginx's reload is asynchronous), or 20 s.
    const deadline = Date.now() + 20_000;
    while (!seen.some((s) => s.serial === after) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    stop = true;
    await load;
    t.diagnostic(`certs renew --force took ${took} ms; ${seen.length} HTTPS requests meanwhile`);
    assert.equal(renew.code, 0, renew.err);
    assert.match(renew.out, /web\.certs\.test: issued by Pebble Intermediate CA/);
    assert.notEqual(after, before, 'a new certificate is installed');
    assert.ok(seen.length >= 10, `${seen.length} requests during the renewal`);
    assert.deepEqual(
      seen.filter((s) => s.status !== 200),
      [],
      'no request failed',
    );
    assert.ok(
      seen.some((s) => s.serial === after),
      'the proxy serves the new certificate',
    );
    assert.deepEqual(new Set(seen.map((s) => s.serial)), new Set([before, after]));
    assert.ok(sClient(HOST).trusted);
  });

  it('a host whose challenge fails keeps its self-signed stand-in, and up says why (the other host keeps its certificate)', () => {
    writeFileSync(specFile, spec([HOST, UNKNOWN]));
    const serial = installed(HOST).serialNumber;
    const r = stagecraft(['up']);
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(
      r.err,
      /no certificate for other\.certs\.test \(the proxy keeps serving its self-signed stand-in\)/,
    );
    assert.match(r.err, /other\.certs\.test.*(resolve|DNS)/i, 'the ACME server’s reason');
    const stand = installed(UNKNOWN);
    assert.equal(stand.issuer, stand.subject, 'self-signed');
    const served = sClient(UNKNOWN);
    assert.equal(served.trusted, false, 'not trusted by Pebble’s root');
    assert.match(served.out, /subject=CN ?= ?other\.certs\.test/);
    assert.equal(installed(HOST).serialNumber, serial, 'the other host’s certificate is not touched');
    assert.ok(sClient(HOST).trusted);
    const listed = stagecraft(['certs']);
    assert.match(
      listed.out,
      /other\.certs\.test\s+other\.certs\.test\s+.*due: the self-signed stand-in is installed/,
    );
  });

  it('serve renews a certificate within 30 days of expiry, and /metrics reports what is installed', async () => {
    // A certificate for the host from a CA of this test, expiring in 10 days, as if renewal had lapsed.
    const live = join(nginxDir, 'letsencrypt', 'live', HOST);
    caSigned(apiCa, [`DNS:${HOST}`], 10, {
      key: join(live, 'privkey.pem'),
      cert: join(live, 'fullchain.pem'),
    });
    assert.match(
      stagecraft(['certs']).out,
      /web\.certs\.test\s+stagecraft test API CA\s+\S+\s+9d\s+due: expires in 9 days/,
    );

    const serve = spawn(bin, ['serve', '--listen', `127.0.0.1:${CONTROL_PLANE}`], { cwd: dir, env });
    let out = '';
    serve.stdout.on('data', (c) => (out += c));
    serve.stderr.on('data', (c) => (out += c));
    const exited = new Promise((resolve) => serve.on('exit', resolve));
    try {
      const deadline = Date.now() + 60_000;
      while (!/certificate for web\.certs\.test: issued/.test(out) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      assert.match(out, /certificate for web\.certs\.test: expires in 9 days; ordering/);
      assert.match(out, /certificate for web\.certs\.test: issued by Pebble Intermediate CA/);
      const renewed = installed(HOST);
      assert.match(renewed.issuer, /Pebble Intermediate CA/);
      const metrics = await call(CONTROL_PLANE, '/metrics');
      const value = /stagecraft_certificate_expiry_timestamp_seconds\{domain="web\.certs\.test"\} (\S+)/.exec(
        metrics,
      )?.[1];
      assert.equal(Number(value), renewed.validToDate.getTime() / 1000, metrics);
    } finally {
      serve.kill('SIGTERM');
      await exited;
    }
    const s = sClient(HOST);
    assert.ok(s.trusted, s.out);
  });
});
