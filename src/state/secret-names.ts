/**
 * Which project and secret names the secret store accepts. Names become path components, so
 * these checks are also what keeps a name from escaping the store's directory.
 */

/** A DNS label, as project names are (`shared` is one too). */
const PROJECT = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** Such as DJANGO_SECRET_KEY. */
const NAME = /^[A-Z_][A-Z0-9_]{0,127}$/;

export class InvalidSecretName extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSecretName';
  }
}

export const isProjectName = (s: string): boolean => PROJECT.test(s);
export const isSecretName = (s: string): boolean => NAME.test(s);

/** A rejected name is shown only when short: a long one may well be a value pasted in the wrong place. */
function shown(s: unknown): string {
  if (typeof s !== 'string') return `a ${typeof s}`;
  return s.length <= 64 ? JSON.stringify(s) : `a ${s.length}-character text`;
}

export function checkProject(project: string): void {
  if (typeof project !== 'string' || !PROJECT.test(project))
    throw new InvalidSecretName(
      `${shown(project)} is not a project name: use lowercase letters, digits and -, starting with a letter (or shared)`,
    );
}

export function checkSecret(project: string, name: string): void {
  checkProject(project);
  if (typeof name !== 'string' || !NAME.test(name))
    throw new InvalidSecretName(
      `${shown(name)} is not a secret name: use capital letters, digits and _, not starting with a digit (such as DJANGO_SECRET_KEY)`,
    );
}

/** A value the store can keep. The message names the secret, never the value. */
export function checkValue(project: string, name: string, value: string): void {
  if (typeof value !== 'string') throw new TypeError(`the value of ${project}/${name} must be text`);
  if (value.includes('\0'))
    throw new TypeError(`the value of ${project}/${name} contains a NUL character, which no store can keep`);
}
