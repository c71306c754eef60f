import type Docker from 'dockerode';
import { followStream } from './client.ts';

/**
 * `POST /build` of a context folder: dockerode tars `files` (paths relative to `context`, already
 * filtered by its `.dockerignore`) and streams the build's output, line by line, to `onLine`. A
 * failed step is the error's message.
 */
export async function buildContext(
  docker: Docker,
  build: { context: string; files: string[]; dockerfile: string; args: Record<string, string> },
  tag: string,
  onLine: (line: string) => void,
): Promise<void> {
  const stream = await docker
    .buildImage(
      { context: build.context, src: build.files },
      { t: tag, dockerfile: build.dockerfile, buildargs: build.args, rm: true, forcerm: true },
    )
    .catch((e: Error & { json?: { message?: string } }) => {
      throw new Error(e.json?.message ?? e.message);
    });
  await followStream(docker, stream, onLine);
}
