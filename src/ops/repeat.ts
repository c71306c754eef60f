/** A task `serve` runs at start and then every so often, one run at a time. */
export interface Repeating {
  /** No run starts after this; resolves once the one under way (if any) has finished. */
  stop(): Promise<void>;
}

/**
 * Runs `task` now, then `everyMs` after each run ends (never two at once). A failed run is told to
 * `onError` and the next one comes as planned.
 */
export function repeatEvery(
  task: () => Promise<unknown>,
  everyMs: number,
  onError: (e: Error) => void,
): Repeating {
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const run = () => {
    running = task().then(
      () => {},
      (e: Error) => onError(e),
    );
    void running.then(() => {
      if (!stopped) timer = setTimeout(run, everyMs);
    });
  };
  run();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
