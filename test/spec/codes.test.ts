import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CODES, diagnostic, formatDiagnostic } from '../../src/spec/index.ts';
import { readmeWithTables } from '../../src/spec/reference.ts';

const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');

describe('the registry of diagnostic codes', () => {
  it('the README lists every code and every limit as the code has them (node scripts/readme-codes.ts)', () => {
    assert.equal(readme, readmeWithTables(readme));
    for (const code of Object.keys(CODES)) assert.match(readme, new RegExp(`^\\| ${code} \\|`, 'm'));
  });

  it('codes are SC and four digits, grouped by their first two', () => {
    for (const code of Object.keys(CODES)) assert.match(code, /^SC0[1-9]\d\d$/);
  });

  it('every code says what it means', () => {
    for (const [code, entry] of Object.entries(CODES)) assert.ok(entry.meaning.length > 10, code);
  });

  it('prints the code after the position and the severity', () => {
    const d = { ...diagnostic('SC0412', ['x'], { user: 'shop/web', target: 'jobs', type: 'worker' }) };
    Object.assign(d, { file: 'staging.yaml', line: 6, column: 21 });
    assert.match(formatDiagnostic(d), /^staging\.yaml:6:21: error SC0412: shop\/web uses jobs, a worker;/);
    const w = diagnostic('SC0805', [], {
      used: '7GiB',
      what: 'memory',
      available: '8GiB',
      share: '88%',
      largest: 'shop 2GiB',
    });
    assert.match(formatDiagnostic(w), /^warning SC0805: /);
    assert.match(formatDiagnostic(w), /\n {2}hint: largest: shop 2GiB$/);
  });

  it('a hint whose parameters are all empty is left out', () => {
    const d = diagnostic('SC0307', ['a'], { field: 'a: ', detail: 'bad', hint: '' });
    assert.equal(d.hint, undefined);
  });
});
