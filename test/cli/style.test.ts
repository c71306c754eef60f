import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { styleFor } from '../../src/cli/style.ts';

describe('terminal colour', () => {
  it('colours a terminal, and not when NO_COLOR is set, TERM is dumb, or output is not a terminal', () => {
    assert.ok(styleFor({ isTTY: true }, {}).red('x').includes('\u001b[31m'));
    assert.equal(styleFor({ isTTY: true }, { NO_COLOR: '1' }).red('x'), 'x');
    assert.equal(styleFor({ isTTY: true }, { TERM: 'dumb' }).red('x'), 'x');
    assert.equal(styleFor({ isTTY: false }, {}).red('x'), 'x');
  });
});
