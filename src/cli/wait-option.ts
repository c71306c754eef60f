import { Duration } from '../spec/index.ts';
import { InvalidInput } from './errors.ts';

export const WAIT_FLAG = '--wait <duration>';
export const WAIT_HELP = 'wait this long (5m, 30s) for another operation’s engine lock instead of refusing';

/** `--wait 5m` in milliseconds; none when not given. A bad duration is invalid input (exit 2). */
export function waitMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const parsed = Duration.parse(text);
  if (!parsed.ok) throw new InvalidInput(`--wait ${parsed.message}`);
  return parsed.value.toMilliseconds();
}
