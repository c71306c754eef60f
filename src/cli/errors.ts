/** Exit codes of every command: 0 ok, 1 the operation failed, 2 the input is invalid. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_INVALID = 2;

/** The user's input is wrong (bad spec, bad arguments): exit 2, message only. */
export class InvalidInput extends Error {}

/** The operation could not be done: exit 1, message only (the ops' failures are this too). */
export { OperationFailed } from '../ops/failure.ts';
