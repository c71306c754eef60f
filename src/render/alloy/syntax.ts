/**
 * Grafana Alloy's configuration syntax as a tree, serialised in one place: blocks (a component
 * such as `loki.write "default"`, or a nested block such as `rule`) holding attributes and blocks.
 * Output follows `alloy fmt`: two-space indent, aligned `=` in a run of attributes, a blank line
 * between blocks.
 */
export type Value = string | number | boolean | Ref | readonly Value[];

/** An expression written as is: a reference to another component's export. */
export interface Ref {
  readonly ref: string;
}

export interface Block {
  /** `discovery.docker`, `rule`, `stage.tenant`. */
  name: string;
  /** A component's label: `discovery.docker "containers"`. */
  label?: string;
  /** Lines of `//` comment written above the block: say why, not what. */
  comment?: readonly string[];
  attributes?: readonly (readonly [string, Value])[];
  blocks?: readonly Block[];
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const BLOCK_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** A reference to `<component>.<label>.<export>`, such as `discovery.docker.containers.targets`. */
export function ref(component: string, label: string, field: string): Ref {
  const expr = `${component}.${label}.${field}`;
  if (!BLOCK_NAME.test(expr)) throw new Error(`not an Alloy reference: ${expr}`);
  return { ref: expr };
}

/** Alloy strings take Go's escapes; JSON's (`\"`, `\\`, `\n`, `\uXXXX`) are a subset of them. */
function literal(v: Value): string {
  if (Array.isArray(v)) return `[${v.map(literal).join(', ')}]`;
  if (typeof v === 'object') return (v as Ref).ref;
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`not an Alloy number: ${v}`);
  return String(v);
}

function header(b: Block): string {
  if (!BLOCK_NAME.test(b.name)) throw new Error(`not an Alloy block name: ${b.name}`);
  if (b.label === undefined) return b.name;
  if (!IDENTIFIER.test(b.label)) throw new Error(`not an Alloy label: ${b.label}`);
  return `${b.name} ${JSON.stringify(b.label)}`;
}

function block(b: Block, pad: string): string[] {
  const inner = `${pad}  `;
  const attributes = b.attributes ?? [];
  for (const [k] of attributes) if (!IDENTIFIER.test(k)) throw new Error(`not an Alloy attribute: ${k}`);
  const width = Math.max(0, ...attributes.map(([k]) => k.length));
  const body = attributes.map(([k, v]) => `${inner}${k.padEnd(width)} = ${literal(v)}`);
  for (const child of b.blocks ?? []) {
    if (body.length) body.push('');
    body.push(...block(child, inner));
  }
  return [
    ...(b.comment ?? []).map((line) => `${pad}//${line ? ` ${line}` : ''}`),
    `${pad}${header(b)} {`,
    ...body,
    `${pad}}`,
  ];
}

/** A whole config file: top-level blocks separated by blank lines. */
export function serialise(blocks: readonly Block[]): string {
  return `${blocks.map((b) => block(b, '').join('\n')).join('\n\n')}\n`;
}
