import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compareParity, type ParityReport, type SecretDigests, serverOf } from '../../src/ops/parity.ts';
import { planEnvironment } from '../../src/plan/index.ts';
import { formatDiagnostic, loadSpecText, place, type Spec } from '../../src/spec/index.ts';

const dir = join(import.meta.dirname, '..', '..', 'examples', 'parity');
const STAGING = readFileSync(join(dir, 'staging.yaml'), 'utf8');
const PRODUCTION = readFileSync(join(dir, 'production.yaml'), 'utf8');

function load(file: string, text: string): Spec {
  const r = loadSpecText(file, text, {});
  assert.ok(r.spec, r.diagnostics.map(formatDiagnostic).join('\n'));
  return r.spec;
}

/** Replaces each `from` once, failing loudly when the example no longer has it. */
function edit(text: string, ...pairs: [string, string][]): string {
  for (const [from, to] of pairs) {
    assert.ok(text.includes(from), `the example has ${JSON.stringify(from)}`);
    text = text.replace(from, to);
  }
  return text;
}

const sha = (value: string) => createHash('sha256').update(value).digest('hex');

function compare(
  opts: {
    staging?: string;
    production?: string;
    stagingSecrets?: SecretDigests;
    productionSecrets?: SecretDigests;
  } = {},
): ParityReport {
  return compareParity({
    staging: load('staging.yaml', opts.staging ?? STAGING),
    production: load('production.yaml', opts.production ?? PRODUCTION),
    stagingSecrets: opts.stagingSecrets ?? {},
    productionSecrets: opts.productionSecrets ?? {},
  });
}

const codes = (r: ParityReport) => r.violations.map((v) => v.code);

describe('parity of a staging and a production spec', () => {
  it('the example pair validates, plans within budget, and has no violation', () => {
    for (const [file, text] of [
      ['staging.yaml', STAGING],
      ['production.yaml', PRODUCTION],
    ] as const) {
      const r = loadSpecText(file, text, {});
      assert.ok(r.spec, r.diagnostics.map(formatDiagnostic).join('\n'));
      const plan = planEnvironment(r.spec);
      const errors = place(plan.diagnostics, r.source).filter((d) => d.severity === 'error');
      assert.deepEqual(errors.map(formatDiagnostic), [], file);
    }
    const report = compare({
      stagingSecrets: { 'robson/SECRET_KEY': sha('staging key') },
      productionSecrets: { 'robson/SECRET_KEY': sha('production key') },
    });
    assert.deepEqual(report.violations, []);
  });

  it('tables the seed’s aspects side by side', () => {
    const { rows } = compare();
    const at = (scope: string, aspect: string) => {
      const r = rows.find((x) => x.scope === scope && x.aspect === aspect);
      assert.ok(r, `${scope} ${aspect}`);
      return [r.staging, r.production, r.same];
    };
    assert.deepEqual(at('robson/backend', 'replicas'), ['2', '3', false]);
    assert.deepEqual(at('robson/backend', 'CPU'), ['500m', '1', false]);
    assert.deepEqual(at('robson/backend', 'memory'), ['1GiB', '2GiB', false]);
    assert.deepEqual(at('robson/postgres', 'storage'), ['10GiB', '50GiB', false]);
    assert.deepEqual(at('robson/redis', 'storage'), ['5GiB', '20GiB', false]);
    assert.deepEqual(at('robson/postgres', 'backup retention'), ['7 daily', '30 daily', false]);
    assert.deepEqual(at('robson/postgres', 'backup schedule'), ['0 2 * * *', '0 2 * * *', true]);
    assert.deepEqual(at('robson/postgres', 'remote backup'), [
      's3://rbx-backup-staging/postgres',
      's3://rbx-backup-production/postgres',
      false,
    ]);
    assert.deepEqual(at('robson/stop-monitor', 'schedule'), ['*/1 * * * *', '*/1 * * * *', true]);
    assert.deepEqual(at('shared', 'metrics retention'), ['7d', '30d', false]);
    assert.deepEqual(at('shared', 'TLS'), ['letsencrypt', 'letsencrypt', true]);
    assert.deepEqual(at('robson', 'domains'), [
      'api.staging.rbx.ia.br, staging.rbx.ia.br',
      'api.rbx.ia.br, rbx.ia.br',
      false,
    ]);
  });

  it('catches a secret value both sides hold, by value, whatever its name, and never shows the value', () => {
    const value = 'Pa55-shared-by-mistake';
    const report = compare({
      stagingSecrets: {
        'robson/SECRET_KEY': sha(value),
        'robson/BACKUP_S3_ACCESS_KEY': sha('staging access'),
      },
      productionSecrets: {
        'robson/SECRET_KEY': sha('production key'),
        'robson/BACKUP_S3_ACCESS_KEY': sha(value),
      },
    });
    assert.deepEqual(codes(report), ['secret.shared']);
    assert.match(
      report.violations[0]!.message,
      /staging's robson\/SECRET_KEY has the same value as production's robson\/BACKUP_S3_ACCESS_KEY/,
    );
    const text = JSON.stringify(report);
    assert.ok(!text.includes(value), 'no value');
    assert.ok(!text.includes(sha(value)), 'not even its digest');

    const sameName = compare({
      stagingSecrets: { 'robson/SECRET_KEY': sha(value) },
      productionSecrets: { 'robson/SECRET_KEY': sha(value) },
    });
    assert.deepEqual(codes(sameName), ['secret.shared']);
    assert.match(sameName.violations[0]!.message, /robson\/SECRET_KEY .* robson\/SECRET_KEY/);
    assert.match(
      sameName.violations[0]!.hint!,
      /stagecraft --spec staging\.yaml secrets set robson SECRET_KEY/,
    );
  });

  it('catches a host both sides route', () => {
    const report = compare({
      staging: edit(STAGING, [
        'routes: [{ host: api.staging.rbx.ia.br }]',
        'routes: [{ host: api.rbx.ia.br }]',
      ]),
    });
    assert.deepEqual(codes(report), ['domain.shared']);
    assert.match(
      report.violations[0]!.message,
      /api\.rbx\.ia\.br is served by both: robson\/backend in staging and robson\/backend in production/,
    );
  });

  it('catches one backup bucket for both, or one inside the other, on the same endpoint', () => {
    const same = compare({
      staging: edit(STAGING, ['s3://rbx-backup-staging/postgres', 's3://rbx-backup-production/postgres']),
    });
    assert.deepEqual(codes(same), ['backup.shared']);
    assert.match(same.violations[0]!.message, /s3:\/\/rbx-backup-production\/postgres/);

    const nested = compare({
      staging: edit(STAGING, [
        's3://rbx-backup-staging/postgres',
        's3://rbx-backup-production/postgres/staging',
      ]),
    });
    assert.deepEqual(codes(nested), ['backup.shared']);

    const sibling = compare({
      staging: edit(STAGING, [
        's3://rbx-backup-staging/postgres',
        's3://rbx-backup-production/postgres-staging',
      ]),
    });
    assert.deepEqual(codes(sibling), [], 'a sibling prefix is not inside the other');

    const elsewhere = compare({
      staging: edit(
        STAGING,
        ['s3://rbx-backup-staging/postgres', 's3://rbx-backup-production/postgres'],
        [
          '            keep: { daily: 7 }',
          '            endpoint: https://minio.staging.rbx.ia.br\n            keep: { daily: 7 }',
        ],
      ),
    });
    assert.deepEqual(codes(elsewhere), [], 'another S3 endpoint is another store');
  });

  it('catches one server for both, and one backup folder on it', () => {
    const report = compare({
      staging: edit(STAGING, ['host: local', 'host: ssh://deploy@PROD.rbx.ia.br:22']),
    });
    assert.deepEqual(codes(report), ['server.shared', 'backup.shared']);
    assert.match(report.violations[1]!.message, /\/opt\/backups .* \/opt\/backups on the same server/);

    const ownDir = compare({
      staging: edit(
        STAGING,
        ['host: local', 'host: ssh://ansible@prod.rbx.ia.br'],
        [
          '  domain: staging.rbx.ia.br\n  capacity',
          '  domain: staging.rbx.ia.br\n  backupDir: /srv/staging-backups\n  capacity',
        ],
      ),
    });
    assert.deepEqual(codes(ownDir), ['server.shared']);

    const bothLocal = compare({
      production: edit(PRODUCTION, ['host: ssh://ansible@prod.rbx.ia.br', 'host: local']),
    });
    assert.deepEqual(codes(bothLocal), [], 'local names no machine');
    assert.equal(serverOf('ssh://a@Host.example'), 'host.example:22');
    assert.equal(serverOf('ssh://host.example:2222'), 'host.example:2222');
    assert.equal(serverOf('local'), undefined);
  });

  it('catches a service or a project production runs and staging lacks, but not the other way round', () => {
    const noRedis = edit(
      STAGING,
      ['        uses: [postgres, redis]', '        uses: [postgres]'],
      [
        '      redis:\n        type: redis\n        storage: 5Gi\n        resources: { cpus: 100m, memory: 256Mi }\n',
        '',
      ],
    );
    const missing = compare({ staging: noRedis });
    assert.deepEqual(codes(missing), ['service.missing']);
    assert.match(
      missing.violations[0]!.message,
      /production runs robson\/redis \(redis\), which staging lacks/,
    );
    const row = missing.rows.find((r) => r.scope === 'robson/redis' && r.aspect === 'memory');
    assert.deepEqual([row?.staging, row?.production], ['—', '512MiB']);

    const extra = compare({
      production: edit(
        PRODUCTION,
        ['        uses: [postgres, redis]', '        uses: [postgres]'],
        [
          '      redis:\n        type: redis\n        storage: 20Gi\n        resources: { cpus: 250m, memory: 512Mi }\n',
          '',
        ],
      ),
    });
    assert.deepEqual(codes(extra), [], 'staging may run more than production');

    const otherProject = compare({
      production: `${PRODUCTION}  billing:\n    domain: billing.rbx.ia.br\n    services:\n      api: { type: app, image: billing:1, resources: { cpus: 100m, memory: 128Mi } }\n`,
    });
    assert.deepEqual(codes(otherProject), ['project.missing']);
    assert.match(
      otherProject.violations[0]!.message,
      /production runs project billing \(api\), which staging lacks/,
    );

    const otherType = compare({
      staging: edit(STAGING, [
        '        type: redis\n        storage: 5Gi',
        '        type: rabbitmq\n        storage: 5Gi',
      ]),
    });
    assert.deepEqual(codes(otherType), ['service.type']);
    assert.match(
      otherType.violations[0]!.message,
      /robson\/redis is a redis in production but a rabbitmq in staging/,
    );
  });

  it('catches the same environment label on both', () => {
    const report = compare({
      production: edit(PRODUCTION, ['environment: production', 'environment: staging']),
    });
    assert.deepEqual(codes(report), ['environment.same']);
  });
});
