import type Docker from 'dockerode';

/**
 * The engine-wide lock: a container (never started) under a fixed name. The engine reserves a
 * container name atomically, so of two creates one fails with 409, whichever checkout, state
 * folder or machine they come from; its labels say who holds it.
 */
export const LOCK_NAME = 'stagecraft-lock';

const HOLDER = 'io.stagecraft.lock';

export interface LockHolder {
  user: string;
  host: string;
  pid: number;
  command: string;
  /** ISO time the lock was taken. */
  since: string;
}

/** Creates the lock container; false when one exists already. */
export async function createLock(docker: Docker, holder: LockHolder): Promise<string | false> {
  const image = await someImage(docker);
  const labels = Object.fromEntries(Object.entries(holder).map(([k, v]) => [`${HOLDER}.${k}`, String(v)]));
  try {
    const c = await docker.createContainer({
      name: LOCK_NAME,
      Image: image,
      Cmd: ['true'],
      Labels: { [HOLDER]: 'true', ...labels },
      HostConfig: { NetworkMode: 'none' },
    });
    return c.id;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 409) return false;
    throw e;
  }
}

/** Who holds the lock now (and the container's id), or undefined when nobody does. */
export async function lockHolder(docker: Docker): Promise<{ id: string; holder: LockHolder } | undefined> {
  try {
    const info = await docker.getContainer(LOCK_NAME).inspect();
    const l = info.Config.Labels ?? {};
    const get = (k: string) => l[`${HOLDER}.${k}`] ?? '?';
    return {
      id: info.Id,
      holder: {
        user: get('user'),
        host: get('host'),
        pid: Number(get('pid')),
        command: get('command'),
        since: get('since'),
      },
    };
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return undefined;
    throw e;
  }
}

/** Removes the lock container by id (so a lock taken since by someone else is never removed). */
export async function removeLock(docker: Docker, id: string): Promise<void> {
  await docker
    .getContainer(id)
    .remove({ force: true })
    .catch((e: { statusCode?: number }) => {
      if (e.statusCode !== 404) throw e;
    });
}

/** The lock container is never started: any image the engine has will do, so nothing is pulled for it. */
async function someImage(docker: Docker): Promise<string> {
  const images = (await docker.listImages()).filter((i) => i.RepoTags?.some((t) => t !== '<none>:<none>'));
  const smallest = images.sort((a, b) => a.Size - b.Size)[0];
  const tag = smallest?.RepoTags?.find((t) => t !== '<none>:<none>');
  if (!tag)
    throw new Error(
      'the engine has no image to make the lock container from: pull one (docker pull busybox)',
    );
  return tag;
}
