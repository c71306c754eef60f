import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument, visit } from 'yaml';
import { type Diagnostic, error, type Path } from './diagnostic.ts';

/** The parsed YAML document with its positions, so any path in the model can be located in the file. */
export interface SpecSource {
  file: string;
  locate(path: readonly (string | number)[], atKey?: boolean): { line: number; column: number };
}

export interface ParsedYaml {
  data: unknown;
  source: SpecSource;
  diagnostics: Diagnostic[];
}

const VAR = /\$(\$?)\{([^}]*)\}/g;
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses YAML keeping line and column, and fills `${NAME}` from `env` in every string value.
 * `$${NAME}` stays literal as `${NAME}`. Missing variables are reported where they are used.
 */
export function parseYaml(
  file: string,
  text: string,
  env: Readonly<Record<string, string | undefined>>,
): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  const position = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const diagnostics: Diagnostic[] = [];
  for (const e of doc.errors) {
    const { line, column } = position(e.pos[0]);
    const message = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    diagnostics.push({
      ...error('yaml', [], `malformed YAML: ${message}`, yamlHint(e.code)),
      file,
      line,
      column,
    });
  }

  const locate = (path: readonly (string | number)[], atKey = false) => {
    let node: unknown = doc.contents;
    let best: [number, number, number] | undefined = rangeOf(node);
    for (let i = 0; i < path.length; i++) {
      const part = path[i]!;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(part));
        if (!pair) break;
        const last = i === path.length - 1;
        const keyRange = rangeOf(pair.key);
        if (last && atKey && keyRange) return position(keyRange[0]);
        node = pair.value;
        best = rangeOf(node) ?? keyRange ?? best;
      } else if (isSeq(node) && typeof part === 'number') {
        node = node.items[part];
        best = rangeOf(node) ?? best;
      } else break;
    }
    return position(best ? best[0] : 0);
  };

  if (diagnostics.length > 0) return { data: undefined, source: { file, locate }, diagnostics };

  visit(doc, {
    Scalar(_key, node, ancestry) {
      if (typeof node.value !== 'string' || !node.value.includes('${')) return;
      node.value = node.value.replace(VAR, (whole, escaped: string, inner: string) => {
        if (escaped) return whole.slice(1);
        const [name, fallback] = splitDefault(inner);
        if (!VAR_NAME.test(name)) {
          diagnostics.push(
            at(
              error(
                'var',
                [],
                `"${whole}" is not a valid variable reference`,
                'write ${NAME} with letters, digits and _',
              ),
              node,
            ),
          );
          return whole;
        }
        const value = fallback !== undefined && !env[name] ? fallback : env[name];
        if (value === undefined) {
          const where = pathOf(ancestry, node);
          diagnostics.push(
            at(
              error(
                'var.missing',
                where,
                `environment variable ${name} is not set (used in ${where.join('.') || 'the spec'})`,
                `export ${name}=… before running stagecraft, give a default as \${${name}:-value}, or write $\${${name}} for a literal`,
              ),
              node,
            ),
          );
          return whole;
        }
        return value;
      });
    },
  });

  function at(d: Diagnostic, node: Node): Diagnostic {
    const r = rangeOf(node);
    return { ...d, file, ...(r ? position(r[0]) : { line: 1, column: 1 }) };
  }

  return { data: doc.toJS({ maxAliasCount: 1000 }), source: { file, locate }, diagnostics };
}

/** `NAME:-default`, as in the shell: the default applies when NAME is unset or empty. */
function splitDefault(inner: string): [string, string | undefined] {
  const i = inner.indexOf(':-');
  return i < 0 ? [inner, undefined] : [inner.slice(0, i), inner.slice(i + 2)];
}

function rangeOf(node: unknown): [number, number, number] | undefined {
  const r = (node as { range?: [number, number, number] } | null | undefined)?.range;
  return r ?? undefined;
}

function pathOf(ancestry: readonly unknown[], node: unknown): Path {
  const path: (string | number)[] = [];
  let child: unknown = node;
  for (let i = ancestry.length - 1; i >= 0; i--) {
    const parent = ancestry[i];
    if (isPair(parent)) {
      if (parent.value === child && isScalar(parent.key)) path.unshift(String(parent.key.value));
    } else if (isSeq(parent)) {
      path.unshift(parent.items.indexOf(child as never));
    }
    child = parent;
  }
  return path;
}

function yamlHint(code: string): string | undefined {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'each key may appear once in a mapping';
    case 'TAB_AS_INDENT':
      return 'indent with spaces, not tabs';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
      return 'check the indentation and that every mapping entry is `key: value`';
    default:
      return undefined;
  }
}
