import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type Scalar,
  visit,
  type YAMLMap,
} from 'yaml';
import { type Diagnostic, diagnostic, type Path } from './diagnostic.ts';
import { interpolate } from './interpolate.ts';
import { LIMITS } from './limits.ts';

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

/**
 * Parses YAML keeping line and column, checks what the YAML itself can do wrong (aliases, merge
 * keys, sizes), fills `${NAME}` from `env` in every key and value, and only then checks that no
 * mapping has a key twice, so a key that becomes another key's name is caught.
 */
export function parseYaml(
  file: string,
  text: string,
  env: Readonly<Record<string, string | undefined>>,
): ParsedYaml {
  const lineCounter = new LineCounter();
  // uniqueKeys is checked below, after interpolation and in linear time (the parser's check is quadratic).
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, merge: true });
  const position = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const diagnostics: Diagnostic[] = [];
  const at = (d: Diagnostic, node: unknown): Diagnostic => {
    const r = rangeOf(node);
    return { ...d, file, ...(r ? position(r[0]) : { line: 1, column: 1 }) };
  };
  for (const e of doc.errors) {
    const detail = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    const code = e.code === 'TAB_AS_INDENT' ? 'SC0112' : 'SC0110';
    diagnostics.push({ ...diagnostic(code, [], { detail }), file, ...position(e.pos[0]) });
  }

  const pairsOf = new WeakMap<YAMLMap, Map<string, { key: unknown; value: unknown }>>();
  const pairIndex = (map: YAMLMap) => {
    let index = pairsOf.get(map);
    if (!index) {
      index = new Map();
      for (const p of map.items) if (isScalar(p.key)) index.set(String(p.key.value), p);
      pairsOf.set(map, index);
    }
    return index;
  };
  const locate = (path: readonly (string | number)[], atKey = false) => {
    let node: unknown = doc.contents;
    let best: [number, number, number] | undefined = rangeOf(node);
    for (let i = 0; i < path.length; i++) {
      const part = path[i]!;
      if (isMap(node)) {
        const pair = pairIndex(node).get(String(part));
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
  const source = { file, locate };

  if (diagnostics.length > 0) return { data: undefined, source, diagnostics };

  diagnostics.push(...checkStructure(doc.contents).map(([d, node]) => at(d, node)));
  if (diagnostics.length > 0) return { data: undefined, source, diagnostics };

  visit(doc, {
    Scalar(_key, node, ancestry) {
      if (typeof node.value !== 'string' || !node.value.includes('$')) return;
      const filled = interpolate(node.value, env, () => pathOf(ancestry, node));
      node.value = filled.value;
      for (const d of filled.diagnostics) diagnostics.push(at(d, node));
    },
  });
  diagnostics.push(...duplicateKeys(doc.contents).map(([d, node]) => at(d, node)));
  if (diagnostics.some((d) => d.severity === 'error')) return { data: undefined, source, diagnostics };

  try {
    return { data: doc.toJS({ maxAliasCount: -1 }), source, diagnostics };
  } catch (e) {
    // checkStructure has already refused what toJS refuses; this keeps a gap an error, not a crash.
    const detail = e instanceof Error ? e.message : String(e);
    return { data: undefined, source, diagnostics: [at(diagnostic('SC0110', [], { detail }), doc.contents)] };
  }
}

/**
 * One pass over the document in order, before anything is expanded: aliases must name an
 * earlier anchor, merge keys must merge mappings, keys must be plain, and the sizes stay within
 * LIMITS (aliases counted, and the values they expand to counted without expanding them).
 */
function checkStructure(root: unknown): [Diagnostic, unknown][] {
  const out: [Diagnostic, unknown][] = [];
  const anchors = new Map<string, Node>();
  /** The number of values a node stands for once its aliases are expanded. */
  const expanded = new Map<unknown, number>();
  let aliases = 0;
  let firstAlias: unknown;
  const mapOf = (node: unknown) => (isAlias(node) ? anchors.get(node.source) : node);
  // Depth-first in document order with an explicit stack; a node is sized after its children.
  const stack: { node: unknown; done: boolean }[] = [{ node: root, done: false }];
  while (stack.length > 0) {
    const top = stack.pop()!;
    const node = top.node;
    if (isAlias(node)) {
      aliases++;
      firstAlias ??= node;
      const target = anchors.get(node.source);
      const size = target ? expanded.get(target) : 1;
      if (!target) out.push([diagnostic('SC0113', [], { name: node.source }), node]);
      else if (size === undefined) out.push([diagnostic('SC0119', [], { name: node.source }), node]);
      expanded.set(node, size ?? 1);
      continue;
    }
    if (!top.done) {
      const anchor = (node as { anchor?: string } | null)?.anchor;
      if (isMap(node) || isSeq(node)) {
        stack.push({ node, done: true });
        const children: unknown[] = [];
        if (isMap(node)) {
          if (node.items.length > LIMITS.mappingKeys) {
            out.push([
              diagnostic('SC0902', [], { count: node.items.length, limit: LIMITS.mappingKeys }),
              node,
            ]);
            return out;
          }
          for (const pair of node.items) {
            if (pair.key !== null && !isScalar(pair.key) && !isAlias(pair.key)) {
              out.push([diagnostic('SC0118', []), pair.key]);
            } else if (isScalar(pair.key) && pair.key.value === null) {
              out.push([diagnostic('SC0118', []), pair.key]);
            }
            if (isMergeKey(pair.key) && !mergesMappings(pair.value, mapOf)) {
              out.push([diagnostic('SC0116', []), pair.value ?? pair.key]);
            }
            children.push(pair.key, pair.value);
          }
        } else children.push(...node.items);
        for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i], done: false });
        if (anchor) anchors.set(anchor, node);
        continue;
      }
      if (isScalar(node) && typeof node.value === 'string' && node.value.length > LIMITS.textLength) {
        out.push([diagnostic('SC0904', [], { length: node.value.length, limit: LIMITS.textLength }), node]);
      }
      expanded.set(node, 1);
      if (anchor && isScalar(node)) anchors.set(anchor, node);
      continue;
    }
    // Children done: this collection's size is theirs plus one.
    let size = 1;
    const items = isMap(node) ? node.items.flatMap((p) => [p.key, p.value]) : isSeq(node) ? node.items : [];
    for (const child of items) size += child == null ? 0 : (expanded.get(child) ?? 1);
    expanded.set(node, size);
    if (size > LIMITS.expandedNodes) {
      out.push([diagnostic('SC0114', [], { limit: LIMITS.expandedNodes }), firstAlias ?? node]);
      return out;
    }
  }
  if (aliases > LIMITS.aliases) {
    out.push([diagnostic('SC0115', [], { count: aliases, limit: LIMITS.aliases }), firstAlias]);
  }
  return out;
}

/** With `merge: true` the parser gives a `<<` key a symbol for its value. */
function isMergeKey(key: unknown): boolean {
  return isScalar(key) && (typeof key.value === 'symbol' || key.value === '<<');
}

/** `<<:` takes a mapping, an alias of one, or a list of those (YAML 1.1 merge keys). */
function mergesMappings(value: unknown, resolve: (node: unknown) => unknown): boolean {
  // An alias with no anchor is reported as such (SC0113), not again here.
  const isMapping = (node: unknown) => isMap(resolve(node)) || (isAlias(node) && resolve(node) === undefined);
  return isSeq(value) ? value.items.length > 0 && value.items.every(isMapping) : isMapping(value);
}

/** A key that appears twice in one mapping, pointed at the second time (merge keys excepted). */
function duplicateKeys(root: unknown): [Diagnostic, unknown][] {
  const out: [Diagnostic, unknown][] = [];
  const seenMaps = new Set<unknown>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (seenMaps.has(node)) continue;
    seenMaps.add(node);
    if (isMap(node)) {
      const keys = new Set<string>();
      for (const pair of node.items) {
        if (isScalar(pair.key) && !isMergeKey(pair.key)) {
          const key = String((pair.key as Scalar).value);
          if (keys.has(key)) out.push([diagnostic('SC0111', [], { key }), pair.key]);
          keys.add(key);
        }
        stack.push(pair.value);
      }
    } else if (isSeq(node)) stack.push(...node.items);
  }
  return out;
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
