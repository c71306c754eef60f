/**
 * A small, fast YAML emitter for rendered configs (the `yaml` package's stringify was 90% of render
 * time for 1,000 projects). Block style; a string is written plain only when no YAML 1.1 or 1.2
 * reader could take it for anything else (so `on`, `yes`, `22:22`, `0755` are quoted), otherwise
 * double-quoted with JSON escapes, which YAML's double-quoted style accepts.
 */
export function toYaml(value: unknown): string {
  if (!isCollection(value) || isEmpty(value)) return `${inline(value)}\n`;
  const out: string[] = [];
  emit(value, 0, out);
  return `${out.join('\n')}\n`;
}

const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./@+-]*$/;
// Keywords, and what a YAML 1.1 reader may take for a float (`e0`).
const KEYWORDS = /^(y|yes|n|no|true|false|on|off|null|nan|inf|[eE][-+]?[0-9][0-9_]*)$/i;

export function scalar(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '.nan';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  const s = String(v);
  return PLAIN.test(s) && !KEYWORDS.test(s) ? s : JSON.stringify(s);
}

function isCollection(v: unknown): v is object {
  return typeof v === 'object' && v !== null;
}

function isEmpty(v: object): boolean {
  return Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0;
}

function emit(value: unknown, indent: number, out: string[]): void {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isCollection(item) && !isEmpty(item)) {
        const nested: string[] = [];
        emit(item, indent + 2, nested);
        // The first line of the nested block goes on the dash's line.
        out.push(`${pad}- ${nested[0]!.slice(indent + 2)}`, ...nested.slice(1));
      } else out.push(`${pad}- ${inline(item)}`);
    }
    return;
  }
  if (isCollection(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      if (isCollection(v) && !isEmpty(v)) {
        out.push(`${pad}${scalar(k)}:`);
        emit(v, Array.isArray(v) ? indent : indent + 2, out);
      } else out.push(`${pad}${scalar(k)}: ${inline(v)}`);
    }
    return;
  }
  out.push(`${pad}${scalar(value)}`);
}

function inline(v: unknown): string {
  if (Array.isArray(v) && v.length === 0) return '[]';
  if (isCollection(v) && isEmpty(v)) return '{}';
  return scalar(v);
}
