import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { lokiConfig, renderLoki, retentionHours } from '../../../src/render/loki/index.ts';
import { Duration } from '../../../src/spec/index.ts';
import { EXAMPLE_NAMES, exampleContext } from '../../support/render.ts';

describe('loki config (no loki binary here: structure; golden files in render/golden.test.ts)', () => {
  for (const name of EXAMPLE_NAMES) {
    it(`${name}: multi-tenant, TSDB schema v13, the spec's retention enforced by the compactor`, () => {
      const ctx = exampleContext(name);
      const loki = ctx.spec.shared.monitoring.loki;
      const files = renderLoki(ctx);
      if (loki === false) {
        assert.deepEqual(files, [], 'monitoring.loki: false renders nothing');
        return;
      }
      assert.deepEqual(
        files.map((f) => [f.path, f.mode]),
        [['shared/loki/loki.yml', 0o644]],
      );
      const config = parse(files[0]!.content, { version: '1.1' });
      assert.equal(config.auth_enabled, true, 'one tenant per project');
      const [period] = config.schema_config.configs;
      assert.equal(config.schema_config.configs.length, 1);
      assert.equal(period.schema, 'v13');
      assert.equal(period.store, 'tsdb');
      assert.equal(period.object_store, 'filesystem');
      assert.equal(period.index.period, '24h', 'compactor retention needs a 24h index');
      assert.equal(config.common.path_prefix, '/loki');
      assert.match(config.common.storage.filesystem.chunks_directory, /^\/loki\//);
      assert.equal(config.compactor.retention_enabled, true);
      assert.equal(config.compactor.delete_request_store, 'filesystem');
      assert.match(config.compactor.working_directory, /^\/loki\//);
      const hours = loki.retention.toSeconds() / 3600;
      assert.equal(config.limits_config.retention_period, `${hours}h`);
      assert.equal(config.limits_config.max_query_lookback, `${hours}h`);
      assert.equal(config.server.http_listen_port, 3100);
      for (const limit of ['ingestion_rate_mb', 'ingestion_burst_size_mb', 'max_global_streams_per_user'])
        assert.ok(config.limits_config[limit] > 0, `${limit} is set`);
    });
  }

  it('retention is whole hours, never below the 24h Loki accepts', () => {
    assert.equal(retentionHours(Duration.days(14)), 336);
    assert.equal(retentionHours(Duration.minutes(90)), 24);
    assert.equal(retentionHours(Duration.hours(36)), 36);
    assert.equal(retentionHours(Duration.minutes(36 * 60 + 1)), 37);
    assert.equal(lokiConfig(Duration.days(30)).limits_config.retention_period, '720h');
  });
});
