import type Docker from 'dockerode';
import { followStream } from './client.ts';

export const RECIPE_LABEL = 'io.stagecraft.recipe-hash';

/** The recipe hash an image was built from, or undefined when there is no such image. */
export async function recipeHashOf(docker: Docker, tag: string): Promise<string | undefined> {
  try {
    const info = await docker.getImage(tag).inspect();
    return info.Config?.Labels?.[RECIPE_LABEL] ?? '';
  } catch {
    return undefined;
  }
}

/** `docker import`: a root filesystem tarball becomes an image. */
export async function importRootfs(
  docker: Docker,
  tar: NodeJS.ReadableStream,
  tag: string,
  hash: string,
): Promise<void> {
  const [repo, version] = tag.split(':') as [string, string];
  const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) => {
    docker.modem.dial(
      {
        path: '/images/create?',
        method: 'POST',
        options: {
          fromSrc: '-',
          repo,
          tag: version,
          changes: [`LABEL ${RECIPE_LABEL}=${hash}`, 'CMD ["/bin/bash"]'],
        },
        file: tar,
        isStream: true,
        statusCodes: { 200: true, 404: 'no such image', 500: 'server error' },
      },
      (err, res) => (err ? reject(err) : resolve(res as NodeJS.ReadableStream)),
    );
  });
  await followStream(docker, stream);
}

/** Builds `dir` (a folder with a Dockerfile) as `tag`, labelled with its recipe hash. */
export async function buildImage(
  docker: Docker,
  dir: string,
  files: string[],
  tag: string,
  hash: string,
  onLine?: (l: string) => void,
): Promise<void> {
  const stream = await docker.buildImage(
    { context: dir, src: files },
    { t: tag, labels: { [RECIPE_LABEL]: hash }, rm: true, forcerm: true },
  );
  await followStream(docker, stream, onLine);
}
