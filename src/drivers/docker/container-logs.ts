import { Writable } from 'node:stream';
import type Docker from 'dockerode';
import { demux } from './engine.ts';

/** What a container wrote on both streams since `since` (Unix seconds), demultiplexed. */
export async function containerLogs(docker: Docker, id: string, since: number): Promise<string> {
  const buf = (await docker
    .getContainer(id)
    .logs({ stdout: true, stderr: true, since, follow: false })) as unknown as Buffer;
  return demux(buf);
}

/**
 * Each line the container writes on either stream from `since` on, until its log stream ends or
 * `signal` aborts (the stream is then closed).
 */
export async function followContainerLogs(
  docker: Docker,
  id: string,
  since: number,
  onLine: (line: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  if (signal?.aborted) return;
  const stream = (await docker
    .getContainer(id)
    .logs({ stdout: true, stderr: true, since, follow: true })) as NodeJS.ReadableStream & {
    destroy(): void;
  };
  docker.modem.demuxStream(stream, lineWriter(onLine), lineWriter(onLine));
  const ended = new Promise((r) => {
    stream.on('end', r);
    stream.on('close', r);
    stream.on('error', r);
  });
  const stop = () => stream.destroy();
  signal?.addEventListener('abort', stop, { once: true });
  if (signal?.aborted) stop();
  await ended;
  signal?.removeEventListener('abort', stop);
}

function lineWriter(onLine: (line: string) => void): NodeJS.WritableStream {
  let rest = '';
  return new Writable({
    write(chunk, _enc, done) {
      const lines = (rest + String(chunk)).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) onLine(l);
      done();
    },
  });
}
