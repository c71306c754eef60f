import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { httpGet } from '../../src/drivers/http-get.ts';

/** The small HTTP/1.0 client `up` uses on loopback, against real servers started here on 127.0.0.1. */
describe('httpGet', () => {
  const servers: Server[] = [];
  after(() => {
    for (const s of servers) s.close();
  });

  /** A raw TCP server that answers each connection as `answer` says. */
  async function raw(answer: (socket: Socket, request: string) => void): Promise<number> {
    const server = createServer((socket) => {
      socket.once('data', (d) => answer(socket, d.toString('latin1')));
      socket.on('error', () => {});
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as AddressInfo).port;
  }

  it('reads the status and body from a real HTTP server, sending the Host header', async () => {
    const server = createHttpServer((req, res) => {
      res.statusCode = req.url === '/missing' ? 404 : 200;
      res.end(JSON.stringify({ host: req.headers.host, url: req.url, body: 'é'.repeat(5000) }));
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const ok = await httpGet({ host: '127.0.0.1', port }, '/a?b=1', { host: 'shop.test', timeoutMs: 2000 });
    assert.equal(ok.status, 200);
    assert.deepEqual(JSON.parse(ok.body), { host: 'shop.test', url: '/a?b=1', body: 'é'.repeat(5000) });
    assert.equal((await httpGet({ host: '127.0.0.1', port }, '/missing', { timeoutMs: 2000 })).status, 404);
  });

  it('returns once the body has its Content-Length, even if the server keeps the connection', async () => {
    const port = await raw((s) => s.write('HTTP/1.1 503 Busy\r\nContent-Length: 4\r\n\r\nbusy'));
    const started = Date.now();
    assert.deepEqual(await httpGet({ host: '127.0.0.1', port }, '/', { timeoutMs: 5000 }), {
      status: 503,
      body: 'busy',
    });
    assert.ok(Date.now() - started < 2000);
  });

  it('takes a body without a length up to the close', async () => {
    const port = await raw((s) => {
      s.write('HTTP/1.0 200 OK\r\n\r\npart one, ');
      setTimeout(() => s.end('part two'), 50);
    });
    assert.deepEqual(await httpGet({ host: '127.0.0.1', port }, '/', { timeoutMs: 2000 }), {
      status: 200,
      body: 'part one, part two',
    });
  });

  it('answers status 0 for a cut body, a non-HTTP answer, silence, and nothing listening', async () => {
    const cut = await raw((s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort'));
    assert.equal((await httpGet({ host: '127.0.0.1', port: cut }, '/', { timeoutMs: 2000 })).status, 0);
    const junk = await raw((s) => s.end('SSH-2.0-OpenSSH_9.2\r\n\r\n'));
    assert.equal((await httpGet({ host: '127.0.0.1', port: junk }, '/', { timeoutMs: 2000 })).status, 0);
    const silent = await raw(() => {});
    assert.equal((await httpGet({ host: '127.0.0.1', port: silent }, '/', { timeoutMs: 300 })).status, 0);
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    assert.equal((await httpGet({ host: '127.0.0.1', port }, '/', { timeoutMs: 2000 })).status, 0);
  });
});
