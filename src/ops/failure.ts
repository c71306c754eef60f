/**
 * An operation could not be done, for a reason its message gives in full: the CLI prints the
 * message alone (no stack trace) and exits 1. The operations' own failures extend it.
 */
export class OperationFailed extends Error {}
