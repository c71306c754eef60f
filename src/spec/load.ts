import type { z } from 'zod';
import type { Code } from './codes.ts';
import { type Diagnostic, diagnostic, formatPath, hasErrors, sortDiagnostics } from './diagnostic.ts';
import { nearest } from './fields.ts';
import { LIMITS } from './limits.ts';
import type { Spec } from './model.ts';
import { resolveSpec } from './resolve.ts';
import { checkAccess } from './rules/access.ts';
import { checkDeployAnalysis } from './rules/deploy-analysis.ts';
import { checkNames } from './rules/names.ts';
import { checkNetworks } from './rules/networks.ts';
import { checkPreviews } from './rules/previews.ts';
import { checkRoutes } from './rules/routes.ts';
import { checkSecrets } from './rules/secrets.ts';
import { checkServices } from './rules/services.ts';
import { checkUses } from './rules/uses.ts';
import { type ParsedSpec, SERVICE_TYPES, specSchema } from './schema.ts';
import { parseYaml, type SpecSource } from './source.ts';
import { readSpecFile } from './spec-file.ts';

export interface LoadResult {
  /** Present when the spec has no errors (warnings may remain). */
  spec?: Spec;
  source: SpecSource;
  diagnostics: Diagnostic[];
}

export type Env = Readonly<Record<string, string | undefined>>;

const RULES = [
  checkNames,
  checkAccess,
  checkUses,
  checkRoutes,
  checkNetworks,
  checkSecrets,
  checkServices,
  checkPreviews,
  checkDeployAnalysis,
];

/** Parses, fills variables, checks the schema and every cross-field rule; reports all problems at once. */
export function loadSpecText(file: string, text: string, env: Env): LoadResult {
  if (text.length > LIMITS.fileBytes) {
    const d = diagnostic('SC0106', [], { size: Buffer.byteLength(text), limit: LIMITS.fileBytes });
    return { source: { file, locate: () => ({ line: 1, column: 1 }) }, diagnostics: [{ ...d, file }] };
  }
  const yaml = parseYaml(file, text, env);
  const diagnostics = [...yaml.diagnostics];
  if (yaml.data === undefined && diagnostics.length > 0)
    return { source: yaml.source, diagnostics: sortDiagnostics(diagnostics) };
  if (yaml.data === null || typeof yaml.data !== 'object' || Array.isArray(yaml.data)) {
    diagnostics.push(diagnostic('SC0117', []));
    return { source: yaml.source, diagnostics: place(diagnostics, yaml.source) };
  }
  const parsed = specSchema.safeParse(yaml.data, { reportInput: true });
  if (!parsed.success) {
    diagnostics.push(...parsed.error.issues.flatMap(issueToDiagnostics));
    // Report the cross-field problems in the same run: drop the bad values (defaults fill in) and
    // check the rest, unless a whole service or more had to go (the rules would then cascade).
    const recovered = withoutBadValues(yaml.data, parsed.error.issues);
    if (recovered) {
      const resolved = resolveSpec(recovered, file);
      const dropped = new Set(
        parsed.error.issues.map((i) => formatPath(i.path.filter((p) => typeof p !== 'symbol'))),
      );
      for (const rule of RULES)
        diagnostics.push(...rule(resolved.spec).filter((d) => !missingBecauseDropped(d, dropped)));
    }
    return { source: yaml.source, diagnostics: place(diagnostics, yaml.source) };
  }
  const resolved = resolveSpec(parsed.data, file);
  diagnostics.push(...resolved.diagnostics);
  for (const rule of RULES) diagnostics.push(...rule(resolved.spec));
  const placed = place(diagnostics, yaml.source);
  return hasErrors(placed)
    ? { source: yaml.source, diagnostics: placed }
    : { spec: resolved.spec, source: yaml.source, diagnostics: placed };
}

/**
 * Reads the spec file (refusing what is not a readable, reasonably sized text file) and loads it;
 * diagnostics name it as `shown` (the path as the user gave it).
 */
export function loadSpecFile(path: string, env: Env, shown = path): LoadResult {
  const read = readSpecFile(path, shown);
  if ('diagnostic' in read) {
    return {
      source: { file: shown, locate: () => ({ line: 1, column: 1 }) },
      diagnostics: [read.diagnostic],
    };
  }
  return loadSpecText(shown, read.text, env);
}

/** Gives every diagnostic that has only a path its file, line and column. */
export function place(diagnostics: Diagnostic[], source: SpecSource): Diagnostic[] {
  for (const d of diagnostics) {
    if (d.line !== undefined) continue;
    const pos = source.locate(d.path, d.atKey);
    d.file = source.file;
    d.line = pos.line;
    d.column = pos.column;
  }
  return sortDiagnostics(diagnostics);
}

/** "needs an image or a build" when the image was there but refused: the refusal says it already. */
function missingBecauseDropped(d: Diagnostic, dropped: ReadonlySet<string>): boolean {
  return (
    d.code === 'SC0707' && ['image', 'build'].some((field) => dropped.has(formatPath([...d.path, field])))
  );
}

/** The spec with every value an issue names removed, if it then parses and nothing above a service field went. */
function withoutBadValues(data: unknown, issues: readonly z.core.$ZodIssue[]): ParsedSpec | undefined {
  const copy = structuredClone(data) as Record<string, unknown>;
  for (const issue of issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const parent = at(copy, path);
      for (const key of issue.keys)
        if (parent && typeof parent === 'object') delete (parent as Record<string, unknown>)[key];
      continue;
    }
    if (path.length < (path[0] === 'projects' ? 5 : 2)) return undefined;
    const parent = at(copy, path.slice(0, -1));
    if (!parent || typeof parent !== 'object') return undefined;
    const last = path.at(-1)!;
    if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
    else delete (parent as Record<string | number, unknown>)[last];
  }
  const again = specSchema.safeParse(copy);
  return again.success ? again.data : undefined;
}

function at(root: unknown, path: readonly (string | number)[]): unknown {
  let node = root;
  for (const part of path) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[part];
  }
  return node;
}

function issueToDiagnostics(issue: z.core.$ZodIssue): Diagnostic[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const where = formatPath(path);
  const field = where ? `${where}: ` : '';
  switch (issue.code) {
    case 'unrecognized_keys': {
      const lines = issue.message.split('\n');
      return issue.keys.map((key, i) => ({
        ...diagnostic('SC0301', [...path, key], {
          field,
          key,
          suggestion: (lines[i] ?? '').replace(/^unknown key "[^"]*"/, ''),
        }),
        atKey: true,
      }));
    }
    case 'invalid_type': {
      if (issue.input === undefined) {
        return [
          diagnostic('SC0302', path, {
            field: where,
            key: String(path.at(-1)),
            expected: article(issue.expected),
          }),
        ];
      }
      return [
        diagnostic('SC0303', path, { field, expected: article(issue.expected), got: describe(issue.input) }),
      ];
    }
    case 'invalid_value': {
      const options = issue.values.map(String);
      const got = typeof issue.input === 'string' ? issue.input : undefined;
      const near = got ? nearest(got, options) : undefined;
      const gotText = issue.input === undefined ? 'nothing' : `"${String(issue.input)}"`;
      return [
        diagnostic('SC0304', path, {
          field,
          options: options.length === 1 ? options[0]! : `one of ${options.join(', ')}`,
          got: gotText,
          suggestion: near ? `did you mean ${near}?` : '',
        }),
      ];
    }
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? `at least ${issue.minimum}` : `at most ${issue.maximum}`;
      const what = issue.origin === 'array' ? 'entries' : issue.origin === 'string' ? 'characters' : '';
      return [
        diagnostic('SC0305', path, {
          field,
          bound: `${bound}${what ? ` ${what}` : ''}`,
          got: typeof issue.input === 'number' ? `, got ${issue.input}` : '',
        }),
      ];
    }
    case 'invalid_union': {
      // A union of a value and `false` (such as `alerts.cpu`): show the first branch's complaint.
      const first = issue.errors.find((e) => e.length > 0)?.[0];
      if (first && issue.errors.length > 0 && !issue.message.startsWith('a service needs')) {
        return issueToDiagnostics({ ...first, path: [...issue.path, ...first.path] } as z.core.$ZodIssue);
      }
      return [diagnostic('SC0306', [...path, 'type'], { field, types: SERVICE_TYPES.join(', ') })];
    }
    case 'invalid_key': {
      // A record's key that its key schema refuses (a volume name, a label key): point at the key.
      const inner = issue.issues[0];
      if (!inner) return [];
      return issueToDiagnostics({ ...inner, path: issue.path } as z.core.$ZodIssue).map((d) => ({
        ...d,
        atKey: true,
      }));
    }
    case 'custom': {
      const params = (issue.params ?? {}) as { code?: Code; hint?: string; values?: Record<string, string> };
      if (params.code) {
        return [
          diagnostic(params.code as 'SC0307', path, {
            field,
            detail: issue.message,
            hint: '',
            ...params.values,
          }),
        ];
      }
      return [diagnostic('SC0307', path, { field, detail: issue.message, hint: params.hint ?? '' })];
    }
    default:
      return [diagnostic('SC0307', path, { field, detail: issue.message, hint: '' })];
  }
}

function article(expected: string): string {
  const names: Record<string, string> = {
    string: 'a string',
    number: 'a number',
    int: 'a whole number',
    boolean: 'true or false',
    object: 'a mapping',
    array: 'a list',
    record: 'a mapping',
  };
  return names[expected] ?? expected;
}

/** What the value is, in words; NaN and the infinities are named, never "a number". */
function describe(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'a mapping';
  if (typeof input === 'string') return 'a string';
  if (typeof input === 'number') {
    if (Number.isNaN(input)) return '.nan (not a number)';
    if (!Number.isFinite(input)) return `${input > 0 ? '' : '-'}.inf (infinity)`;
    return Number.isInteger(input) ? 'a whole number' : 'a number';
  }
  return typeof input;
}
