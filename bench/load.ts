import { Agent, request } from 'node:http';

/** What a load saw: every request, the failed ones by why, and the versions the app answered with. */
export interface LoadStats {
  total: number;
  failed: number;
  /** Why requests failed (a status, an error code, `cut` for an answer that ended early): how many. */
  reasons: Map<string, number>;
  versions: Set<string>;
  seconds: number;
}

/**
 * `clients` loops of `GET /` on 127.0.0.1:`port` over keep-alive connections, as a browser or a
 * load tool would send them, together at about `perSecond` requests a second (a client whose answer
 * is late sends its next request at once); until `stop`. A request fails on any status but 200, a
 * connection error, or an answer that is not whole (its JSON does not parse).
 */
export function loadOn(port: number, clients = 4, perSecond = 200): { stop(): Promise<LoadStats> } {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const stats: LoadStats = { total: 0, failed: 0, reasons: new Map(), versions: new Set(), seconds: 0 };
  const fail = (why: string) => {
    stats.failed++;
    stats.reasons.set(why, (stats.reasons.get(why) ?? 0) + 1);
  };
  const started = performance.now();
  let running = true;
  const once = () =>
    new Promise<void>((settle) => {
      // One outcome a request: a connection that breaks mid-answer may report on both objects.
      let done = false;
      const resolve = () => {
        done = true;
        settle();
      };
      const req = request({ host: '127.0.0.1', port, path: '/', agent, timeout: 15_000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('error', () => {});
        res.on('close', () => {
          if (done) return;
          if (res.statusCode !== 200) fail(String(res.statusCode));
          else {
            try {
              stats.versions.add(String(JSON.parse(body).version));
            } catch {
              fail('cut');
            }
          }
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (done) return;
        fail(e.code ?? e.message);
        resolve();
      });
      req.end();
    });
  const every = (1000 * clients) / perSecond;
  const loops = Array.from({ length: clients }, async () => {
    for (let due = performance.now(); running; due += every) {
      await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
      await once();
      stats.total++;
      due = Math.max(due, performance.now() - every);
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
      stats.seconds = (performance.now() - started) / 1000;
      return stats;
    },
  };
}

/** `3 of 1,234 failed (cut: 2, ECONNRESET: 1), 201 req/s` */
export function describeLoad(s: LoadStats): string {
  const why = [...s.reasons].map(([k, n]) => `${k}: ${n}`).join(', ');
  return `${s.failed} of ${s.total} requests failed${why ? ` (${why})` : ''}, ${(s.total / s.seconds).toFixed(0)} req/s`;
}
