import type Docker from 'dockerode';
import { followStream } from './client.ts';

/** Credentials for one registry, as the Engine API takes them in `X-Registry-Auth`. */
export interface RegistryAuth {
  username: string;
  password: string;
  serveraddress: string;
}

/** What the engine holds under a reference: its ID and the registry digests it was pulled as. */
export interface LocalImage {
  id: string;
  repoDigests: string[];
}

export async function inspectImage(docker: Docker, ref: string): Promise<LocalImage | undefined> {
  try {
    const info = await docker.getImage(ref).inspect();
    return { id: info.Id, repoDigests: info.RepoDigests ?? [] };
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return undefined;
    throw e;
  }
}

/** The tags the engine has for a repository (`shop-web` → `shop-web:1.2`, `shop-web:dev`). */
export async function tagsOf(docker: Docker, repository: string): Promise<string[]> {
  const images = await docker.listImages({ filters: { reference: [repository] } });
  return images.flatMap((i) => i.RepoTags ?? []).filter((t) => t.startsWith(`${repository}:`));
}

/** One layer's state in a pull, from the engine's progress events. */
export interface LayerProgress {
  id: string;
  status: string;
  current?: number;
  total?: number;
}

/**
 * `POST /images/create?fromImage=…&tag=…` (dockerode's `createImage`, over a socket or SSH alike),
 * followed to its end. The credentials travel only in the `X-Registry-Auth` header; the engine's
 * refusal ("pull access denied", "manifest unknown") is the error's message.
 */
export async function pullImage(
  docker: Docker,
  repository: string,
  tag: string,
  auth: RegistryAuth | undefined,
  onLayer: (layer: LayerProgress) => void,
): Promise<void> {
  const stream = (await docker
    .createImage({ fromImage: repository, tag, ...(auth ? { authconfig: auth } : {}) })
    .catch((e: Error & { json?: { message?: string } }) => {
      throw new Error(e.json?.message ?? e.message);
    })) as NodeJS.ReadableStream;
  await followStream(docker, stream, undefined, (event) => {
    if (!event.id || !event.status || event.status.startsWith('Pulling from')) return;
    onLayer({
      id: event.id,
      status: event.status,
      ...(event.progressDetail?.total
        ? { current: event.progressDetail.current ?? 0, total: event.progressDetail.total }
        : {}),
    });
  });
}

/** Tags an image and pushes it (tests fill a registry this way). */
export async function pushImage(
  docker: Docker,
  source: string,
  repository: string,
  tag: string,
  auth: RegistryAuth,
): Promise<void> {
  await docker.getImage(source).tag({ repo: repository, tag });
  const stream = (await docker
    .getImage(`${repository}:${tag}`)
    .push({ authconfig: auth })) as unknown as NodeJS.ReadableStream;
  await followStream(docker, stream);
}
