import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { ApiDeps } from './app.ts';

/**
 * `GET /projects/P/logs` once authorized: Server-Sent Events that open at once (a comment before
 * the engine is asked for anything), then a `line` event per log line (already free of secret
 * values: `deps.logs` redacts them), then `end`, or `error` with why. Following stops when the
 * client goes or the control plane stops.
 */
export function streamLogs(
  c: Context,
  deps: Pick<ApiDeps, 'logs' | 'stopping'>,
  which: { project: string; service: string | undefined; follow: boolean; since: number },
): Response {
  return streamSSE(c, async (stream) => {
    const closed = new AbortController();
    stream.onAbort(() => closed.abort());
    const onStop = () => closed.abort();
    deps.stopping?.addEventListener('abort', onStop, { once: true });
    // The stream opens at once, before the engine is asked for anything.
    await stream.write(': stagecraft logs\n\n');
    // Lines are written in order: each waits for the one before it. A failed write means the
    // client is gone: stop following.
    let written = Promise.resolve();
    const send = (event: string, data: unknown) => {
      written = written
        .then(() =>
          closed.signal.aborted ? undefined : stream.writeSSE({ event, data: JSON.stringify(data) }),
        )
        .catch(() => closed.abort());
      return written;
    };
    try {
      await deps.logs(
        { project: which.project, service: which.service },
        { since: Math.floor(Date.now() / 1000) - which.since, follow: which.follow, signal: closed.signal },
        (container, line) => void send('line', { container, line }),
      );
      await send('end', {});
    } catch (e) {
      await send('error', { error: (e as Error).message });
    } finally {
      deps.stopping?.removeEventListener('abort', onStop);
    }
  });
}
