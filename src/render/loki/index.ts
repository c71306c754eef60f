import { type Artifact, file } from '../artifact.ts';
import type { RenderContext } from '../context.ts';
import { SHARED_PORTS } from '../topology.ts';
import { toYaml } from '../yaml.ts';

/**
 * `shared/loki/loki.yml`: single-binary Loki 3 on the local filesystem, multi-tenant (one tenant per
 * project, `shared` for the shared stack), retention from the spec enforced by the compactor.
 */
export function renderLoki(ctx: RenderContext): Artifact[] {
  const loki = ctx.spec.shared.monitoring.loki;
  if (loki === false) return [];
  const retention = `${Math.max(24, Math.ceil(loki.retention.toSeconds() / 3600))}h`;
  const config = {
    auth_enabled: true,
    server: { http_listen_port: SHARED_PORTS.loki, grpc_listen_port: 9096, log_level: 'warn' },
    common: {
      path_prefix: '/loki',
      storage: { filesystem: { chunks_directory: '/loki/chunks', rules_directory: '/loki/rules' } },
      replication_factor: 1,
      ring: { kvstore: { store: 'inmemory' } },
      instance_addr: '127.0.0.1',
    },
    schema_config: {
      configs: [
        {
          from: '2024-01-01',
          store: 'tsdb',
          object_store: 'filesystem',
          schema: 'v13',
          index: { prefix: 'index_', period: '24h' },
        },
      ],
    },
    compactor: {
      working_directory: '/loki/compactor',
      compaction_interval: '10m',
      retention_enabled: true,
      retention_delete_delay: '2h',
      delete_request_store: 'filesystem',
    },
    limits_config: {
      retention_period: retention,
      max_query_lookback: retention,
      ingestion_rate_mb: 8,
      ingestion_burst_size_mb: 16,
      reject_old_samples: true,
      reject_old_samples_max_age: '168h',
      allow_structured_metadata: true,
    },
    analytics: { reporting_enabled: false },
  };
  return [
    file(
      'shared/loki/loki.yml',
      `# Rendered by stagecraft. Edit staging.yaml, not this file.\n${toYaml(config)}`,
    ),
  ];
}
