/** Grafana Alloy's configuration syntax as a tree: blocks with attributes, serialised in one place. */
export type Value = string | number | boolean | Ref | Value[];

/** An expression written as is: a reference to another component's export. */
export interface Ref {
  ref: string;
}

export interface Block {
  name: string;
  label?: string;
  attributes: [string, Value][];
  blocks?: Block[];
}

export const ref = (expr: string): Ref => ({ ref: expr });

function value(v: Value): string {
  if (Array.isArray(v)) return `[${v.map(value).join(', ')}]`;
  if (typeof v === 'object') return v.ref;
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

export function serialise(blocks: readonly Block[], indent = 0): string {
  const pad = '  '.repeat(indent);
  return blocks
    .map((blk) => {
      const head = blk.label === undefined ? blk.name : `${blk.name} ${JSON.stringify(blk.label)}`;
      const width = Math.max(0, ...blk.attributes.map(([k]) => k.length));
      const lines = [
        ...blk.attributes.map(([k, v]) => `${pad}  ${k.padEnd(width)} = ${value(v)}`),
        ...(blk.blocks?.length ? [serialise(blk.blocks, indent + 1)] : []),
      ];
      return `${pad}${head} {\n${lines.join('\n')}\n${pad}}`;
    })
    .join('\n\n');
}
