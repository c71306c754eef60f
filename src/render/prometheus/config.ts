import { SHARED_PORTS, sharedContainer } from '../../model/index.ts';
import type { Duration } from '../../spec/index.ts';
import type { RenderContext } from '../context.ts';
import { runningComponents } from './running.ts';
import { scrapeConfigs } from './scrape.ts';

/** `prometheus.yml`: scrape and evaluation intervals, the environment label, rules, Alertmanager, scrape jobs. */
export function prometheusConfig(ctx: RenderContext, scrapeInterval: Duration) {
  const { spec } = ctx;
  const interval = scrapeInterval.toPrometheus();
  const running = runningComponents(spec);
  return {
    global: {
      scrape_interval: interval,
      evaluation_interval: interval,
      external_labels: { environment: spec.environment },
    },
    // Relative to this file; a render removes the rule files it no longer writes.
    rule_files: ['rules/*.yml'],
    ...(running.has('alertmanager')
      ? {
          alerting: {
            alertmanagers: [
              {
                static_configs: [
                  { targets: [`${sharedContainer('alertmanager')}:${SHARED_PORTS.alertmanager}`] },
                ],
              },
            ],
          },
        }
      : {}),
    scrape_configs: scrapeConfigs(ctx, running),
  };
}
