import { SHARED_PORTS } from '../../model/index.ts';
import type { Duration } from '../../spec/index.ts';

/** Loki's compactor refuses a retention below one index period (24h). */
const MIN_RETENTION_HOURS = 24;

/** The spec's retention in whole hours, the unit Loki's limits are usually written in. */
export function retentionHours(retention: Duration): number {
  return Math.max(MIN_RETENTION_HOURS, Math.ceil(retention.toSeconds() / 3600));
}

/**
 * Loki 3 as one binary on the local filesystem under /loki (the `shared-loki-data` volume):
 * multi-tenant, TSDB index with schema v13, and the compactor deleting what is older than the
 * retention. Limits apply per tenant, that is per project.
 */
export function lokiConfig(retention: Duration) {
  const hours = `${retentionHours(retention)}h`;
  return {
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
          // Retention through the compactor needs a 24h index period.
          index: { prefix: 'index_', period: '24h' },
        },
      ],
    },
    compactor: {
      working_directory: '/loki/compactor',
      compaction_interval: '10m',
      retention_enabled: true,
      retention_delete_delay: '2h',
      retention_delete_worker_count: 50,
      delete_request_store: 'filesystem',
    },
    limits_config: {
      retention_period: hours,
      // Queries stop where retention does, so nobody sees half-deleted days.
      max_query_lookback: hours,
      // One staging box: generous enough for a noisy deploy, small enough that one
      // runaway project cannot starve the others (limits are per tenant).
      ingestion_rate_mb: 4,
      ingestion_burst_size_mb: 8,
      per_stream_rate_limit: '2MB',
      per_stream_rate_limit_burst: '8MB',
      max_global_streams_per_user: 2000,
      max_line_size: '256KB',
      max_line_size_truncate: true,
      reject_old_samples: true,
      reject_old_samples_max_age: '168h',
      max_query_series: 1000,
      max_entries_limit_per_query: 5000,
      allow_structured_metadata: true,
      volume_enabled: true,
    },
    query_range: {
      results_cache: { cache: { embedded_cache: { enabled: true, max_size_mb: 100 } } },
    },
    analytics: { reporting_enabled: false },
  };
}
