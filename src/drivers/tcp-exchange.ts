import { connect } from 'node:net';

/**
 * One request and its answer on a TCP port or a Unix socket: sends `request`, then reads until
 * `decide` returns something (it is given all that came so far, and whether the peer has ended).
 * `nothing` on a refusal, a reset, a timeout, or an end `decide` makes nothing of.
 */
export function exchange<T>(
  target: { path: string } | { host: string; port: number },
  request: string | Buffer,
  decide: (data: Buffer, ended: boolean) => T | undefined,
  nothing: T,
  timeoutMs: number,
): Promise<T> {
  return new Promise((resolve) => {
    const socket = connect(target);
    const chunks: Buffer[] = [];
    let received = 0;
    let done = false;
    const finish = (answer: T) => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => finish(nothing));
    socket.on('error', () => finish(nothing));
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      const answer = decide(Buffer.concat(chunks, received), false);
      if (answer !== undefined) finish(answer);
    });
    socket.on('end', () => finish(decide(Buffer.concat(chunks, received), true) ?? nothing));
  });
}
