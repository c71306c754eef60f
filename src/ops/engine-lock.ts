import { hostname, userInfo } from 'node:os';
import type Docker from 'dockerode';
import {
  createLock,
  LOCK_NAME,
  type LockHolder,
  lockHolder,
  removeLock,
} from '../drivers/docker/engine-lock.ts';
import { OperationFailed } from './failure.ts';

/** Another operation holds the engine's lock (and `--wait` ran out, or was not given). */
export class EngineLocked extends OperationFailed {}

export interface LockOptions {
  /** What takes it (`up`, `down`, `rollback shop`): shown to whoever finds it held. */
  command: string;
  /** How long to wait for a holder to let go; none: refuse at once. */
  waitMs?: number | undefined;
  log: (line: string) => void;
}

const POLL_MS = 500;

export function describeHolder(h: LockHolder): string {
  return `${h.user}@${h.host} pid ${h.pid} (stagecraft ${h.command}, since ${h.since})`;
}

/**
 * Runs `work` holding the engine's lock: one `up`, `down`, `rollback` or `restore` at a time per
 * engine. A holder on this host whose process is gone is taken over; otherwise the lock is waited
 * for (`waitMs`) or refused, naming the holder. The lock goes on every way out, SIGINT and SIGTERM
 * included.
 */
export async function withEngineLock<T>(
  docker: Docker,
  opts: LockOptions,
  work: () => Promise<T>,
): Promise<T> {
  const id = await acquire(docker, opts);
  const onSignal = (signal: NodeJS.Signals) => {
    removeLock(docker, id).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await work();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await removeLock(docker, id);
  }
}

async function acquire(docker: Docker, opts: LockOptions): Promise<string> {
  const deadline = Date.now() + (opts.waitMs ?? 0);
  const me: LockHolder = {
    user: userInfo().username,
    host: hostname(),
    pid: process.pid,
    command: opts.command,
    since: new Date().toISOString(),
  };
  let told = false;
  for (;;) {
    const id = await createLock(docker, { ...me, since: new Date().toISOString() });
    if (id) return id;
    const held = await lockHolder(docker);
    if (!held) continue; // let go between our create and our look
    if (held.holder.host === me.host && !alive(held.holder.pid)) {
      opts.log(`took over the engine lock of ${describeHolder(held.holder)}: that process is gone`);
      await removeLock(docker, held.id);
      continue;
    }
    if (Date.now() >= deadline)
      throw new EngineLocked(
        `the engine is locked by ${describeHolder(held.holder)}: another operation is converging it. ` +
          `Wait for it (--wait 10m), or, if it is gone, break the lock: stagecraft unlock (or docker rm ${LOCK_NAME})`,
      );
    if (!told) opts.log(`waiting for the engine lock held by ${describeHolder(held.holder)}`);
    told = true;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
