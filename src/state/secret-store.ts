import type { GenerateOptions } from './generate.ts';

export interface SecretRef {
  project: string;
  name: string;
}

/**
 * Secret values by project (`shared` for the shared stack) and name. No error from a store carries
 * a value.
 */
export interface SecretStore {
  readonly kind: 'files' | 'postgres';
  set(project: string, name: string, value: string): Promise<void>;
  get(project: string, name: string): Promise<string | undefined>;
  has(project: string, name: string): Promise<boolean>;
  /** Names only, never values; ordered by project, then name. */
  list(project?: string): Promise<SecretRef[]>;
  /** Whether there was such a secret. */
  delete(project: string, name: string): Promise<boolean>;
  /**
   * The secret's value, created at random on first use and the same ever after (a value that is
   * already set is returned as it is, whatever the options). Two processes asking at once get the
   * same value.
   */
  ensureGenerated(project: string, name: string, opts?: GenerateOptions): Promise<string>;
  close(): Promise<void>;
}

/**
 * Runs `work`, and if it throws, throws instead an error with the same message minus any copy of
 * `value` (and no cause, code or detail that could hold one).
 */
export async function withoutValue<T>(value: string, work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const clean = value === '' ? message : message.split(value).join('[value]');
    const error = new Error(clean);
    if (e instanceof Error) error.name = e.name;
    throw error;
  }
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** By project, then name, in code-unit order whatever the backend. */
export const byRef = (a: SecretRef, b: SecretRef): number =>
  byText(a.project, b.project) || byText(a.name, b.name);
