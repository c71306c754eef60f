import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dockerFor } from '../../src/drivers/docker/client.ts';
import { waitHealthy } from '../../src/drivers/docker/engine.ts';
import type { Owned } from '../../src/drivers/docker/owned.ts';
import { probeReady, readyWhileStarting } from '../../src/drivers/readiness.ts';
import { LABEL, parseProbe, probeLabel, type ReadinessProbe } from '../../src/model/index.ts';
import { projectStack } from '../../src/render/index.ts';
import { docker } from '../support/docker-cli.ts';
import { exampleContext } from '../support/render.ts';
import { onePostgresSpec } from '../support/small-spec.ts';

const NETWORK = 'stagecraft-readiness-test';
const PG: ReadinessProbe = { kind: 'postgres', port: 5432, user: 'app', database: 'app' };
const PREFIX = 'stagecraft-readiness-test-';
/** An environment for `status` to list (`preview`, which the PostgreSQL container here is labelled with). */
const STATUS_SPEC = onePostgresSpec('readiness', 2);

const address = (name: string) =>
  docker('inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', `${PREFIX}${name}`);

/** Probes every 250 ms until ready; how many probes said "not ready" first, or throws after `ms`. */
async function untilReady(probe: ReadinessProbe, host: string, ms = 90_000): Promise<number> {
  const deadline = Date.now() + ms;
  let notReady = 0;
  while (!(await probeReady(probe, host))) {
    notReady++;
    if (Date.now() > deadline) throw new Error(`${probe.kind} on ${host} not ready within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return notReady;
}

/**
 * The probes `up`'s health gate uses, against the real services of the local image set (in
 * containers on a network this test creates), real HTTP servers, and raw servers for the answers
 * a real server gives only for a moment (PostgreSQL "starting up").
 */
describe('readiness probes', () => {
  const servers: Server[] = [];
  const run = (name: string, ...args: string[]) =>
    docker('run', '-d', '--name', `${PREFIX}${name}`, '--network', NETWORK, ...args);
  const cleanup = () => {
    spawnSync('docker', ['rm', '-f', ...['pg', 'redis', 'rabbit'].map((n) => `${PREFIX}${n}`)]);
    spawnSync('docker', ['network', 'rm', NETWORK]);
  };
  before(() => {
    cleanup();
    docker('network', 'create', NETWORK);
    run('redis', 'stagecraft/redis:bookworm', 'redis-server', '--requirepass', 'pw');
    // Last, so that the first test probes it while its first start (initdb) still runs: started
    // first, a loaded machine spent that time starting the others, and the probe found it ready.
    // Labelled as `up` renders a PostgreSQL service; its healthcheck never passes, and the engine
    // runs it only after 120 s: only the probe can open the health gate within the test.
    run(
      'pg',
      ...['--label', `${LABEL.probe}=${probeLabel(PG)}`, '--health-cmd', 'exit 1'],
      ...['--label', `${LABEL.environment}=preview`, '--label', `${LABEL.project}=readiness`],
      ...['--label', `${LABEL.service}=db`],
      ...['--health-interval', '120s', '-e', 'POSTGRES_USER=app', '-e', 'POSTGRES_PASSWORD=pw'],
      ...['-e', 'POSTGRES_DB=app', 'stagecraft/postgresql:15'],
    );
  });
  after(() => {
    cleanup();
    for (const s of servers) s.close();
  });

  async function listen(server: Server): Promise<number> {
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as AddressInfo).port;
  }

  /** A raw TCP server that writes `answer` to each connection once it has sent something. */
  const raw = (answer: Buffer) =>
    listen(
      createServer((socket: Socket) => {
        socket.once('data', () => socket.write(answer));
        socket.on('error', () => {});
      }),
    );

  it('PostgreSQL: not ready while its first start runs (init on a Unix socket only), then ready', async () => {
    const pg = PG;
    const notReady = await untilReady(pg, address('pg'));
    assert.ok(notReady > 0, 'initdb takes seconds: the first probes find nothing');
    // pg_isready, asked inside, agrees.
    docker('exec', `${PREFIX}pg`, 'pg_isready', '-q', '-h', '127.0.0.1', '-U', 'app', '-d', 'app');
    // As pg_isready: a server that turns this user away still accepts connections.
    assert.equal(await probeReady({ ...pg, user: 'nobody', database: 'none' }, address('pg')), true);
    assert.equal(await probeReady({ ...pg, port: 5433 }, address('pg')), false, 'nothing listens there');
  });

  it("the health gate on a local engine passes on the probe, before the engine's first check", async () => {
    await waitHealthy(dockerFor('local', {}), `${PREFIX}pg`, 60_000);
    assert.equal(docker('inspect', '-f', '{{.State.Health.Status}}', `${PREFIX}pg`), 'starting');
    assert.equal(await probeReady(PG, address('pg')), true);
  });

  it('status shows a container the engine has not checked yet, whose service answers, as such', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stagecraft-readiness-status-'));
    writeFileSync(join(dir, 'staging.yaml'), STATUS_SPEC);
    const status = (...args: string[]) =>
      spawnSync(join(import.meta.dirname, '..', '..', 'bin', 'stagecraft'), ['status', ...args], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      });
    const json = status('--json');
    assert.equal(json.status, 0, json.stderr);
    const row = (JSON.parse(json.stdout) as { replica: string; health: string; answers?: boolean }[]).find(
      (r) => r.replica === `${PREFIX}pg`,
    );
    assert.deepEqual({ health: row?.health, answers: row?.answers }, { health: 'starting', answers: true });
    assert.match(status().stdout, new RegExp(`${PREFIX}pg\\s+running\\s+starting, answers`));
  });

  it('PostgreSQL: "starting up" (57P03) is not ready, any other refusal is', async () => {
    const error = (code: string) => {
      const fields = Buffer.from(
        `SFATAL\0VFATAL\0C${code}\0Mthe database system is starting up\0\0`,
        'latin1',
      );
      const head = Buffer.alloc(5);
      head.write('E', 0, 'latin1');
      head.writeInt32BE(4 + fields.length, 1);
      return Buffer.concat([head, fields]);
    };
    const probe = (port: number): ReadinessProbe => ({ kind: 'postgres', port, user: 'u', database: 'd' });
    assert.equal(await probeReady(probe(await raw(error('57P03'))), '127.0.0.1'), false);
    assert.equal(await probeReady(probe(await raw(error('28000'))), '127.0.0.1'), true);
  });

  it('Redis: ready when it answers PING, with or without its password', async () => {
    await untilReady({ kind: 'redis', port: 6379 }, address('redis'));
    assert.equal(
      await probeReady(
        { kind: 'redis', port: await raw(Buffer.from('-LOADING Redis is loading\r\n')) },
        '127.0.0.1',
      ),
      false,
    );
    assert.equal(
      await probeReady({ kind: 'redis', port: await raw(Buffer.from('+PONG\r\n')) }, '127.0.0.1'),
      true,
    );
  });

  it('RabbitMQ: ready when it opens the AMQP handshake, not while booting or answering otherwise', async () => {
    // Started here, not with the others: probed at once, it is still booting whatever came before.
    run('rabbit', 'stagecraft/rabbitmq:bookworm');
    const notReady = await untilReady({ kind: 'amqp', port: 5672 }, address('rabbit'));
    assert.ok(notReady > 0, 'the broker takes seconds to boot');
    // A broker that refuses our protocol version answers the header with its own: not ready.
    const refusing = await raw(Buffer.from('AMQP\x00\x00\x09\x00', 'latin1'));
    assert.equal(await probeReady({ kind: 'amqp', port: refusing }, '127.0.0.1'), false);
  });

  it("RabbitMQ's engine check, as rendered: passes on the running broker, fails once it stops listening", () => {
    const ctx = exampleContext('demo');
    const shop = ctx.spec.projects.find((p) => p.name === 'shop')!;
    const check = projectStack(ctx, shop)!.containers.find((c) => c.key === 'queue')!.healthcheck!.test;
    assert.equal(check[0], 'CMD');
    const exec = () =>
      spawnSync('docker', ['exec', `${PREFIX}rabbit`, ...check.slice(1)], { encoding: 'utf8' });
    assert.equal(exec().status, 0, exec().stderr);
    // The broker's app stops, its Erlang node stays: the listener closes, and the check says so.
    docker('exec', `${PREFIX}rabbit`, 'rabbitmqctl', '-q', 'stop_app');
    const stopped = exec();
    assert.notEqual(stopped.status, 0);
    assert.match(stopped.stderr, /Connection refused/);
  });

  it('HTTP: a status under 400 is ready; an error status, another protocol or nothing is not', async () => {
    const port = await listen(
      createHttpServer((req, res) => {
        res.statusCode = req.url === '/health' ? 200 : req.url === '/moved' ? 302 : 503;
        res.end();
      }),
    );
    const http = (path: string): ReadinessProbe => ({ kind: 'http', port, path });
    assert.equal(await probeReady(http('/health'), '127.0.0.1'), true);
    assert.equal(await probeReady(http('/moved'), '127.0.0.1'), true);
    assert.equal(await probeReady(http('/broken'), '127.0.0.1'), false);
    // The other probes against an HTTP server: it answers 400 to what it cannot parse.
    for (const p of [
      { kind: 'postgres', port, user: 'u', database: 'd' },
      { kind: 'redis', port },
      { kind: 'amqp', port },
    ] as ReadinessProbe[])
      assert.equal(await probeReady(p, '127.0.0.1'), false, p.kind);
    const silent = await listen(createServer(() => {}));
    assert.equal(await probeReady({ kind: 'redis', port: silent }, '127.0.0.1', 300), false, 'timed out');
  });

  it('readyWhileStarting: only containers the engine still calls starting, with a probe that answers', async () => {
    await untilReady({ kind: 'redis', port: 6379 }, address('redis'));
    const owned = (name: string, health: string | undefined, probe?: ReadinessProbe): Owned => ({
      id: name,
      name,
      labels: probe ? { [LABEL.probe]: probeLabel(probe) } : {},
      state: 'running',
      image: 'x',
      address: address('redis'),
      ...(health ? { health } : {}),
    });
    const redis: ReadinessProbe = { kind: 'redis', port: 6379 };
    const ready = await readyWhileStarting([
      owned('starting', 'starting', redis),
      owned('no-probe', 'starting'),
      owned('wrong-port', 'starting', { kind: 'redis', port: 6380 }),
      owned('unhealthy', 'unhealthy', redis),
      owned('healthy', 'healthy', redis),
    ]);
    assert.deepEqual([...ready], ['starting']);
  });

  it('the probe label: written and read back; unknown or malformed labels mean no probe', () => {
    const p: ReadinessProbe = { kind: 'postgres', port: 5432, user: 'shop', database: 'shop' };
    assert.deepEqual(parseProbe(probeLabel(p)), p);
    for (const bad of [undefined, '', 'nonsense', '{"kind":"smtp","port":25}', '{"kind":"http","port":"80"}'])
      assert.equal(parseProbe(bad), undefined, String(bad));
  });
});
