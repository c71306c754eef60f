/**
 * Just enough of Alloy's configuration syntax to check a rendered file's structure without the
 * alloy binary: blocks (with an optional label), attributes whose values are strings, numbers,
 * booleans, references and lists, and `//` comments. Anything else is a syntax error.
 */
export type AlloyValue = string | number | boolean | { ref: string } | AlloyValue[];

export interface AlloyBlock {
  name: string;
  label?: string;
  attributes: Map<string, AlloyValue>;
  blocks: AlloyBlock[];
  line: number;
}

type Token = { kind: 'ident' | 'string' | 'number' | 'punct'; text: string; line: number };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      i++;
    } else if (/\s/.test(c)) i++;
    else if (text.startsWith('//', i)) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\n') throw new Error(`line ${line}: unterminated string`);
        j += text[j] === '\\' ? 2 : 1;
      }
      if (j >= text.length) throw new Error(`line ${line}: unterminated string`);
      tokens.push({ kind: 'string', text: JSON.parse(text.slice(i, j + 1)), line });
      i = j + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(text.slice(i))!;
      tokens.push({ kind: 'ident', text: m[0], line });
      i += m[0].length;
    } else if (/[0-9-]/.test(c)) {
      const m = /^-?[0-9]+(\.[0-9]+)?/.exec(text.slice(i));
      if (!m) throw new Error(`line ${line}: unexpected ${c}`);
      tokens.push({ kind: 'number', text: m[0], line });
      i += m[0].length;
    } else if ('{}[]=,'.includes(c)) {
      tokens.push({ kind: 'punct', text: c, line });
      i++;
    } else throw new Error(`line ${line}: unexpected ${JSON.stringify(c)}`);
  }
  return tokens;
}

export function parseAlloy(text: string): AlloyBlock[] {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const next = (): Token => {
    const t = tokens[pos++];
    if (!t) throw new Error('unexpected end of file (unbalanced braces?)');
    return t;
  };
  const expect = (text: string) => {
    const t = next();
    if (t.text !== text || t.kind !== 'punct')
      throw new Error(`line ${t.line}: expected ${text}, got ${t.text}`);
  };

  function value(): AlloyValue {
    const t = next();
    if (t.kind === 'string') return t.text;
    if (t.kind === 'number') return Number(t.text);
    if (t.kind === 'ident') {
      if (t.text === 'true' || t.text === 'false') return t.text === 'true';
      return { ref: t.text };
    }
    if (t.text === '[') {
      const items: AlloyValue[] = [];
      while (peek()?.text !== ']') {
        items.push(value());
        if (peek()?.text === ',') next();
        else break;
      }
      expect(']');
      return items;
    }
    throw new Error(`line ${t.line}: unexpected ${t.text}`);
  }

  function body(): Pick<AlloyBlock, 'attributes' | 'blocks'> {
    const attributes = new Map<string, AlloyValue>();
    const blocks: AlloyBlock[] = [];
    while (peek() && peek()!.text !== '}') {
      const name = next();
      if (name.kind !== 'ident') throw new Error(`line ${name.line}: expected a name, got ${name.text}`);
      if (peek()?.text === '=') {
        next();
        if (attributes.has(name.text)) throw new Error(`line ${name.line}: ${name.text} set twice`);
        attributes.set(name.text, value());
        continue;
      }
      let label: string | undefined;
      if (peek()?.kind === 'string') label = next().text;
      expect('{');
      const inner = body();
      expect('}');
      blocks.push({ name: name.text, ...(label !== undefined ? { label } : {}), ...inner, line: name.line });
    }
    return { attributes, blocks };
  }

  const top = body();
  if (pos !== tokens.length) throw new Error(`line ${tokens[pos]!.line}: unbalanced }`);
  if (top.attributes.size) throw new Error('attributes outside any block');
  return top.blocks;
}

/** Every reference (`discovery.relabel.containers.output`) anywhere under a block. */
export function referencesIn(b: AlloyBlock): string[] {
  const out: string[] = [];
  const walk = (v: AlloyValue) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object') out.push(v.ref);
  };
  for (const v of b.attributes.values()) walk(v);
  for (const child of b.blocks) out.push(...referencesIn(child));
  return out;
}
