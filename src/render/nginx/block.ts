/** nginx configuration as a tree, serialised in one place (no ad-hoc string building). */
export interface Directive {
  name: string;
  args: (string | number)[];
  block?: Directive[];
}

export const d = (name: string, ...args: (string | number)[]): Directive => ({ name, args });
export const b = (name: string, args: (string | number)[], block: Directive[]): Directive => ({
  name,
  args,
  block,
});

/** An argument is quoted when nginx would otherwise split or misread it. */
function arg(a: string | number): string {
  const s = String(a);
  return s === '' || /[\s;{}"'#]/.test(s) ? `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : s;
}

export function serialise(directives: readonly Directive[], indent = 0): string {
  const pad = '    '.repeat(indent);
  return directives
    .map((x) => {
      const head = [x.name, ...x.args.map(arg)].join(' ');
      if (!x.block) return `${pad}${head};`;
      return `${pad}${head} {\n${serialise(x.block, indent + 1)}${x.block.length ? '\n' : ''}${pad}}`;
    })
    .join('\n');
}

export function comment(text: string): string {
  return text
    .split('\n')
    .map((l) => `# ${l}`)
    .join('\n');
}
