import { type Diagnostic, diagnostic, formatPath, type Path } from './diagnostic.ts';

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
/** Defaults inside defaults (`${A:-${B:-x}}`) nest at most this deep. */
const MAX_DEPTH = 8;

/**
 * Fills `${NAME}`, `${NAME:-default}` (unset or empty) and `${NAME-default}` (unset) as compose
 * does, defaults themselves filled, so `${A:-${B}}` works. `$${` is a literal `${`. A reference
 * that is not closed, or not a name, is an error; a missing variable is an error that names it.
 */
export function interpolate(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  where: () => Path,
): { value: string; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const excerpt = (from: number, to = text.length) => {
    const s = text.slice(from, to);
    return s.length > 40 ? `${s.slice(0, 40)}…` : s;
  };

  /** Reads from `i` to the end, or to the `}` that closes the reference it is inside. */
  const read = (i: number, depth: number): { value: string; end: number; closed: boolean } => {
    let out = '';
    while (i < text.length) {
      const c = text[i]!;
      if (c === '}' && depth > 0) return { value: out, end: i + 1, closed: true };
      if (c === '$' && text.startsWith('$${', i)) {
        out += '${';
        i += 3;
        continue;
      }
      if (c !== '$' || text[i + 1] !== '{') {
        out += c;
        i++;
        continue;
      }
      const start = i;
      NAME.lastIndex = i + 2;
      const name = NAME.exec(text)?.[0];
      const after = i + 2 + (name?.length ?? 0);
      const closing = text.indexOf('}', after);
      if (closing < 0 && !text.startsWith(':-', after) && !text.startsWith('-', after)) {
        diagnostics.push(diagnostic('SC0203', where(), { text: excerpt(start) }));
        return { value: out + text.slice(start), end: text.length, closed: false };
      }
      if (!name || depth >= MAX_DEPTH) {
        diagnostics.push(diagnostic('SC0202', where(), { text: excerpt(start, closing + 1) }));
        out += text.slice(start, closing + 1);
        i = closing + 1;
        continue;
      }
      const set = env[name];
      if (text[after] === '}') {
        if (set === undefined) {
          diagnostics.push(diagnostic('SC0201', where(), { name, where: formatPath(where()) || 'the spec' }));
          out += text.slice(start, after + 1);
        } else out += set;
        i = after + 1;
        continue;
      }
      const operator = text.startsWith(':-', after) ? ':-' : text[after] === '-' ? '-' : undefined;
      if (!operator) {
        diagnostics.push(diagnostic('SC0202', where(), { text: excerpt(start, closing + 1) }));
        out += text.slice(start, closing + 1);
        i = closing + 1;
        continue;
      }
      const before = diagnostics.length;
      const fallback = read(after + operator.length, depth + 1);
      if (!fallback.closed) {
        diagnostics.splice(before);
        diagnostics.push(diagnostic('SC0203', where(), { text: excerpt(start) }));
        return { value: out + text.slice(start), end: text.length, closed: false };
      }
      const useDefault = operator === ':-' ? !set : set === undefined;
      // A default that is not used may name variables that are not set.
      if (!useDefault) {
        const kept = diagnostics.splice(before).filter((d) => d.code !== 'SC0201');
        diagnostics.push(...kept);
      }
      out += useDefault ? fallback.value : set;
      i = fallback.end;
    }
    return { value: out, end: i, closed: false };
  };

  return { value: read(0, 0).value, diagnostics };
}
