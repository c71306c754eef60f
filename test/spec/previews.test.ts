import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allocationsToRows, isolationMatrix, planEnvironment, rowsToRecorded } from '../../src/plan/index.ts';
import { renderServerLayout } from '../../src/render/index.ts';
import {
  loadSpecText,
  previewName,
  previewProject,
  type Spec,
  withoutPreviews,
  withPreviews,
} from '../../src/spec/index.ts';
import { diagnose, ONE_PROJECT } from './one-project.ts';

function load(text: string): Spec {
  const r = loadSpecText('staging.yaml', text, {});
  assert.ok(r.spec, JSON.stringify(r.diagnostics));
  return r.spec;
}

const WITH_BACKUP = `${ONE_PROJECT}        backup:
          remote:
            url: s3://shop-backups/db
            accessKey: { secret: S3_KEY }
            secretKey: { secret: S3_SECRET }
        secrets: []
`;

describe('preview names', () => {
  const name = (branch: string) => {
    const r = previewName(branch);
    return r.ok ? r.name : `error: ${r.message}`;
  };

  it('a branch name becomes a DNS-safe name, predictably', () => {
    assert.equal(name('feat/login'), 'feat-login');
    assert.equal(name('Feat/Login_Form'), 'feat-login-form');
    assert.equal(name('fix//double--dash'), 'fix-double-dash');
    assert.equal(name('-/release/1.2.3/-'), 'release-1-2-3');
    assert.equal(name('123-hotfix'), '123-hotfix');
    assert.equal(name('feat-login'), 'feat-login');
  });

  it('nothing left is an error, not an empty name', () => {
    assert.match(name('//__'), /^error: "\/\/__" gives no preview name/);
  });

  it("too long for the project's object names is an error with a shorter name as hint, never a cut", () => {
    const shop = load(ONE_PROJECT).projects[0]!;
    // `shop--NAME-web-1` must stay within 63 characters: 63 - 4 - 2 - 6 = 51.
    const fits = 'a'.repeat(51);
    const r = previewName(fits, shop);
    assert.deepEqual(r, { ok: true, name: fits });
    const long = previewName(`feature/${'x'.repeat(60)}`, shop);
    assert.equal(long.ok, false);
    if (long.ok) return;
    assert.match(long.message, /is 68 characters; at most 51 fit for project shop/);
    assert.match(long.hint, /give a shorter name, such as "feature-x{43}"/);
  });
});

describe('a preview as a project', () => {
  it('is named P--NAME, routes on NAME.<domain>, runs the images it was given, copies the rest', () => {
    const shop = load(ONE_PROJECT).projects[0]!;
    const p = previewProject(shop, { name: 'feat-login', images: { web: 'shop:2' } });
    assert.equal(p.name, 'shop--feat-login');
    assert.equal(p.previewOf, 'shop');
    assert.equal(p.domain, 'feat-login.shop.example.test');
    assert.equal(p.previews.max, 0);
    const web = p.services.find((s) => s.name === 'web')!;
    assert.equal(web.project, 'shop--feat-login');
    assert.equal(web.image, 'shop:2');
    assert.deepEqual(web.type === 'app' && web.resolvedRoutes, [
      { host: 'feat-login.shop.example.test', path: '/' },
    ]);
    const db = p.services.find((s) => s.name === 'db')!;
    assert.equal(db.project, 'shop--feat-login');
    // The project itself is untouched.
    assert.equal(shop.services.find((s) => s.name === 'web')!.image, 'shop:1');
  });

  it('moves the hosts its env values name with its routes, and only those', () => {
    const text = ONE_PROJECT.replace(
      '        uses: [db]\n',
      '        uses: [db]\n        env: { ALLOWED: "shop.example.test,other.example.test", CALLBACK: "https://shop.example.test/cb", PLAIN: shop.example.testing }\n',
    );
    const web = previewProject(load(text).projects[0]!, { name: 'feat', images: {} }).services.find(
      (s) => s.name === 'web',
    )!;
    assert.deepEqual(web.env, {
      ALLOWED: 'feat.shop.example.test,other.example.test',
      CALLBACK: 'https://feat.shop.example.test/cb',
      PLAIN: 'shop.example.testing',
    });
  });

  it("keeps a local backup job (a restore target) but never the project's remote store and its keys", () => {
    const shop = load(WITH_BACKUP).projects[0]!;
    const db = previewProject(shop, { name: 'b', images: {} }).services.find((s) => s.name === 'db')!;
    assert.ok(db.type === 'postgres' && db.backup);
    assert.equal(db.type === 'postgres' && db.backup && db.backup.remote, undefined);
  });

  it('every recorded preview is one more project: planned, budgeted, isolated, rendered with the preview-of label', () => {
    const spec = load(ONE_PROJECT);
    const withTwo = withPreviews(spec, [
      { project: 'shop', name: 'b', images: {} },
      { project: 'shop', name: 'a', images: {} },
      { project: 'gone', name: 'x', images: {} },
    ]);
    assert.deepEqual(
      withTwo.projects.map((p) => p.name),
      ['shop', 'shop--a', 'shop--b'],
    );
    assert.deepEqual(
      withoutPreviews(withTwo).projects.map((p) => p.name),
      ['shop'],
    );

    const plan = planEnvironment(withTwo);
    assert.deepEqual(Object.keys(plan.allocations).sort(), ['shop', 'shop--a', 'shop--b']);
    const subnets = new Set(Object.values(plan.allocations).map((a) => a.subnet));
    assert.equal(subnets.size, 3, 'each preview has a block of its own');
    const alone = planEnvironment(spec);
    assert.equal(plan.budget.memory.used, alone.budget.memory.used * 3 - alone.budget.shared.bytes * 2);

    // Each of them is cut off from every other project, the other two included.
    const matrix = isolationMatrix(withTwo);
    for (const p of ['shop', 'shop--a', 'shop--b'])
      assert.ok(
        matrix.some((e) => e.from === `${p}/*` && e.to === '*/*' && e.except === `${p}/*` && !e.allowed),
        `${p} reaches no other project`,
      );
    assert.ok(matrix.some((e) => e.from === 'shared/proxy' && e.to === 'shop--b/web' && e.allowed));

    const compose = renderServerLayout({ spec: withTwo, plan }).find(
      (a) => a.path === 'projects/shop--a/compose.yaml',
    );
    assert.ok(compose, 'the preview has its own compose file');
    assert.match(compose.content, /io\.stagecraft\.preview-of: shop/);
    assert.match(compose.content, /io\.stagecraft\.project: shop--a/);
    const own = renderServerLayout({ spec: withTwo, plan }).find(
      (a) => a.path === 'projects/shop/compose.yaml',
    );
    assert.doesNotMatch(own!.content, /preview-of/);
  });

  it('a preview keeps its allocations when another one comes or goes', () => {
    const spec = load(ONE_PROJECT);
    const first = planEnvironment(withPreviews(spec, [{ project: 'shop', name: 'b', images: {} }]));
    const rows = Object.entries(first.allocations);
    const later = planEnvironment(
      withPreviews(spec, [
        { project: 'shop', name: 'a', images: {} },
        { project: 'shop', name: 'b', images: {} },
      ]),
      { recorded: rowsToRecorded(allocationsToRows(first.allocations)) },
    );
    assert.ok(rows.length);
    assert.equal(later.allocations['shop--b']?.subnet, first.allocations['shop--b']?.subnet);
  });
});

describe('previews in the spec', () => {
  it('defaults: 72h, at most 3, empty data', () => {
    assert.deepEqual(
      {
        ttl: load(ONE_PROJECT).projects[0]!.previews.ttl.toMilliseconds() / 3600_000,
        max: load(ONE_PROJECT).projects[0]!.previews.max,
        data: load(ONE_PROJECT).projects[0]!.previews.data,
      },
      { ttl: 72, max: 3, data: 'empty' },
    );
  });

  it('bad values are errors with their codes', () => {
    const bad = (previews: string) =>
      diagnose(ONE_PROJECT.replace('  shop:\n', `  shop:\n    previews: ${previews}\n`)).map(
        (d) => `${d.code} ${d.line}`,
      );
    assert.deepEqual(bad('{ ttl: 10s }'), ['SC0309 7']);
    assert.deepEqual(bad('{ max: -1 }'), ['SC0305 7']);
    assert.deepEqual(bad('{ data: snapshot }'), ['SC0304 7']);
    assert.deepEqual(bad('{ data: from-backup }'), ['SC0711 7']);
    assert.deepEqual(
      diagnose(WITH_BACKUP.replace('  shop:\n', '  shop:\n    previews: { data: from-backup }\n')),
      [],
    );
  });
});
