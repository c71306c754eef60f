/** Runs async work one piece at a time, in the order it was asked for. */
export class Mutex {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => T | Promise<T>): Promise<T> {
    const result = this.#tail.then(work);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

const byKey = new Map<string, Mutex>();

/** One mutex per key (such as a database file) for the whole process. */
export function mutexFor(key: string): Mutex {
  let mutex = byKey.get(key);
  if (!mutex) {
    mutex = new Mutex();
    byKey.set(key, mutex);
  }
  return mutex;
}
