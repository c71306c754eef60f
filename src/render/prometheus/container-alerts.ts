import { SHARED_PORTS, sharedContainer } from '../../model/index.ts';
import type { Spec } from '../../spec/index.ts';
import { CADVISOR_PROJECT, CADVISOR_SERVICE } from '../cadvisor-labels.ts';
import { ALERT, type AlertRule, aroundPercent, round, type Series } from './alert.ts';

/**
 * Each container against its own limits, from cAdvisor, with the host's CPU and memory thresholds:
 * a replica pinned at its CPU quota is throttled, one near its memory limit is about to be killed.
 * The scrape job copies the containers' `io.stagecraft.*` labels to `project` and `service`.
 */
export function containerAlerts(spec: Spec, cadvisorRuns: boolean): AlertRule[] {
  if (!cadvisorRuns) return [];
  const a = spec.shared.alerts;
  const ours = `${CADVISOR_PROJECT}!=""`;
  const by = 'max by (project, service, name)';
  const target = { instance: `${sharedContainer('cadvisor')}:${SHARED_PORTS.cadvisor}`, job: 'cadvisor' };
  const container = (name: string, project: string, service: string) => ({
    ...target,
    name,
    project,
    service,
    [CADVISOR_PROJECT]: project,
    [CADVISOR_SERVICE]: service,
  });
  const web = container('example-web-1', 'example', 'web');
  const fires = [{ project: 'example', service: 'web', name: 'example-web-1' }];
  const rules: AlertRule[] = [];

  if (a.cpu !== false) {
    const t = a.cpu.above.value;
    const { above, below } = aroundPercent(t);
    const cores = 0.5;
    const busy = (labels: Record<string, string>, pct: number): Series[] => [
      { metric: 'container_cpu_usage_seconds_total', labels, perSecond: round((cores * pct) / 100) },
      { metric: 'container_spec_cpu_quota', labels, value: cores * 100_000 },
      { metric: 'container_spec_cpu_period', labels, value: 100_000 },
    ];
    rules.push({
      group: 'containers',
      alert: ALERT.containerCpu,
      expr:
        `100 * sum by (project, service, name) (rate(container_cpu_usage_seconds_total{${ours}}[5m]))` +
        ` / (${by} (container_spec_cpu_quota{${ours}} > 0) / ${by} (container_spec_cpu_period{${ours}})) > ${t}`,
      for: a.cpu.for,
      severity: 'warning',
      summary: `{{ $labels.project }}/{{ $labels.service }}: {{ $labels.name }} above ${t}% of its CPU limit`,
      description: `{{ $labels.name }} of {{ $labels.project }}/{{ $labels.service }} has used more than ${t}% of its CPU limit for ${a.cpu.for}, so it is being throttled: raise resources.cpus or add replicas.`,
      proof: {
        firing: busy(web, above),
        fires,
        activeFrom: 5,
        quiet: busy(web, below),
        firesWhen: `at ${above}% of the CPU limit`,
        quietWhen: `at ${below}% of the CPU limit`,
      },
    });
  }

  if (a.memory !== false) {
    const t = a.memory.above.value;
    const { above, below } = aroundPercent(t);
    const limit = 1_073_741_824;
    const using = (labels: Record<string, string>, pct: number, limitBytes = limit): Series[] => [
      { metric: 'container_memory_working_set_bytes', labels, value: round((limit * pct) / 100) },
      { metric: 'container_spec_memory_limit_bytes', labels, value: limitBytes },
    ];
    // Quiet: a container with no limit (cAdvisor reports 0) and one that is not ours.
    const unlimited = container('example-db', 'example', 'db');
    const foreign = { ...target, name: 'someone-else' };
    rules.push({
      group: 'containers',
      alert: ALERT.containerMemory,
      expr:
        `100 * ${by} (container_memory_working_set_bytes{${ours}})` +
        ` / ${by} (container_spec_memory_limit_bytes{${ours}} > 0) > ${t}`,
      for: a.memory.for,
      severity: 'warning',
      summary: `{{ $labels.project }}/{{ $labels.service }}: {{ $labels.name }} above ${t}% of its memory limit`,
      description: `{{ $labels.name }} of {{ $labels.project }}/{{ $labels.service }} has used more than ${t}% of its memory limit for ${a.memory.for}: at the limit it is killed and restarted. Raise resources.memory or find the leak.`,
      proof: {
        firing: using(web, above),
        fires,
        quiet: [...using(web, below), ...using(unlimited, 99, 0), ...using(foreign, 99)],
        firesWhen: `at ${above}% of the memory limit`,
        quietWhen: `at ${below}% of the memory limit, and for containers with no limit or not ours`,
      },
    });
  }
  return rules;
}
