import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { roleAllows, roleOf } from '../../src/spec/index.ts';
import { diagnose, ONE_PROJECT } from './one-project.ts';

const withAccess = (teams: string, access: string) =>
  ONE_PROJECT.replace('projects:\n', `${teams}projects:\n`).replace(
    '  shop:\n',
    `  shop:\n    access: ${access}\n`,
  );

describe('teams and access', () => {
  it('accepts access to teams that teams: defines', () => {
    assert.deepEqual(diagnose(withAccess('teams:\n  ops: [alice, bob]\n', '{ ops: admin }')), []);
  });

  it('SC0430: access names a team teams: does not define, at its key, listing the teams', () => {
    const text = withAccess('teams:\n  ops: [alice]\n', '{ ops: admin, devs: viewer }');
    const ds = diagnose(text);
    assert.deepEqual(
      ds.map((d) => d.code),
      ['SC0430'],
    );
    assert.match(ds[0]!.message, /team "devs"/);
    assert.match(ds[0]!.hint ?? '', /ops/);
    assert.equal(ds[0]!.line, text.split('\n').findIndex((l) => l.includes('access:')) + 1);
  });

  it('SC0431: a user listed twice in a team', () => {
    const ds = diagnose(withAccess('teams:\n  ops: [alice, alice]\n', '{ ops: editor }'));
    assert.deepEqual(
      ds.map((d) => d.code),
      ['SC0431'],
    );
  });

  it('a role outside viewer, editor, admin and a user name with a space are schema errors', () => {
    assert.deepEqual(
      diagnose(withAccess('teams:\n  ops: [alice]\n', '{ ops: owner }')).map((d) => d.code),
      ['SC0304'],
    );
    assert.equal(
      diagnose(withAccess('teams:\n  ops: ["al ice"]\n', '{ ops: admin }'))[0]?.code.slice(0, 4),
      'SC03',
    );
  });
});

describe('roleOf', () => {
  const spec = {
    teams: { ops: ['carol'], shop_team: ['alice', 'carol'], devs: ['dave'] },
    projects: [
      { name: 'shop', access: { shop_team: 'editor', ops: 'admin', devs: 'viewer' } },
      { name: 'blog', access: { devs: 'editor' } },
    ],
  } as unknown as Parameters<typeof roleOf>[0];

  it('is the highest role any of the user’s teams has on the project', () => {
    assert.equal(roleOf(spec, 'alice', 'shop'), 'editor');
    assert.equal(roleOf(spec, 'carol', 'shop'), 'admin');
    assert.equal(roleOf(spec, 'dave', 'shop'), 'viewer');
    assert.equal(roleOf(spec, 'dave', 'blog'), 'editor');
  });

  it('is null for a user in no team with access, and for an unknown project', () => {
    assert.equal(roleOf(spec, 'alice', 'blog'), null);
    assert.equal(roleOf(spec, 'mallory', 'shop'), null);
    assert.equal(roleOf(spec, 'carol', 'nope'), null);
  });

  it('roles include the ones below them', () => {
    assert.ok(roleAllows('admin', 'viewer') && roleAllows('editor', 'editor'));
    assert.ok(!roleAllows('viewer', 'editor') && !roleAllows(null, 'viewer'));
  });
});
