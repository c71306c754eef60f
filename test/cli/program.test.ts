import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Io } from '../../src/cli/io.ts';
import { buildProgram, commandOf } from '../../src/cli/program.ts';

const io = { out: () => {}, err: () => {} } as unknown as Io;
const names = async (argv: string[]) => (await buildProgram(io, argv)).commands.map((c) => c.name());

/** Only the module of the command being run is loaded; help and unknown commands see them all. */
describe('the program loads what the command needs', () => {
  it('finds the command past the global options and their values', () => {
    assert.equal(commandOf(['--spec', 'up', 'plan', '--json']), 'plan', '`up` is the value of --spec here');
    assert.equal(commandOf(['--state=/tmp/s.db', 'status']), 'status');
    assert.equal(commandOf(['--version']), undefined);
  });

  it('registers the run command’s module, none for --version, all for help or an unknown word', async () => {
    assert.deepEqual(await names(['logs', 'shop']), ['logs']);
    assert.deepEqual(await names(['--spec', 'x.yaml', 'validate']), ['validate']);
    assert.deepEqual(await names(['--version']), []);
    const all = await names(['--help']);
    assert.ok(all.length >= 18, all.join(' '));
    assert.deepEqual(await names(['nosuch']), all);
    assert.deepEqual(await names(['help', 'up']), all);
  });

  it('has one module per command: running one registers that one alone', async () => {
    const all = await names(['--help']);
    for (const command of all) assert.deepEqual(await names([command]), [command]);
  });
});
