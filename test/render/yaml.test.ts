import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parse } from 'yaml';
import { toYaml } from '../../src/render/index.ts';

describe('the YAML emitter', () => {
  const tricky = [
    'on',
    'Yes',
    'no',
    'off',
    'null',
    '~',
    '22:22',
    '0755',
    '1e3',
    '127.0.0.1:80:80',
    '',
    ' x',
    'a: b',
    '#c',
    '- d',
    '*/1 * * * *',
    'true',
    '1.5',
    'line\nbreak',
    'q"uote',
    "it's",
    '{x}',
    '[y]',
    '@at',
    '%p',
    '!tag',
    '&a',
    'NaN',
    '.inf',
  ];

  it('writes strings no YAML 1.1 or 1.2 reader mistakes for another type', () => {
    const doc = { list: tricky, map: Object.fromEntries(tricky.map((t, i) => [t || `empty${i}`, t])) };
    const text = toYaml(doc);
    assert.deepEqual(parse(text, { version: '1.1' }), doc);
    assert.deepEqual(parse(text, { version: '1.2' }), doc);
  });

  it('round-trips nested lists and maps, empty ones included', () => {
    const doc = {
      a: [{ b: 1, c: [true, null, 'x'] }, [], {}],
      d: { e: { f: [] } },
      g: [[1, 2], [{ h: 'i' }]],
    };
    assert.deepEqual(parse(toYaml(doc)), doc);
  });

  it('property: any JSON-like value round-trips', () => {
    const key = fc.string({ maxLength: 8 });
    const leaf = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean(), fc.constant(null));
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(key, tie('node'), { maxKeys: 4, noNullPrototype: true }),
      ),
    })).node;
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 5, noNullPrototype: true }), (doc) => {
        assert.deepEqual(parse(toYaml(doc), { version: '1.1' }), doc);
      }),
      { numRuns: 500 },
    );
  });
});
