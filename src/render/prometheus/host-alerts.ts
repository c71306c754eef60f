import { SHARED_PORTS, sharedContainer } from '../../model/index.ts';
import type { Spec } from '../../spec/index.ts';
import { ALERT, type AlertRule, aroundPercent, HOST_LABELS, round, type Series } from './alert.ts';

/** Filesystems that are not the server's disks: full by design, or gone with their container. */
const NOT_A_DISK = 'tmpfs|overlay|squashfs|nsfs|ramfs';

/** The server itself, from node-exporter: CPU, memory and disk against the spec's thresholds. */
export function hostAlerts(spec: Spec, nodeExporterRuns: boolean): AlertRule[] {
  if (!nodeExporterRuns) return [];
  const a = spec.shared.alerts;
  const target = {
    instance: `${sharedContainer('node-exporter')}:${SHARED_PORTS.nodeExporter}`,
    job: 'node',
  };
  const rules: AlertRule[] = [];

  if (a.cpu !== false) {
    const t = a.cpu.above.value;
    const { above, below } = aroundPercent(t);
    // Two CPUs, both equally busy: the average is the figure the rule compares.
    const idle = (busy: number): Series[] =>
      ['0', '1'].map((cpu) => ({
        metric: 'node_cpu_seconds_total',
        labels: { ...target, cpu, mode: 'idle' },
        perSecond: round(1 - busy / 100),
      }));
    rules.push({
      group: 'host',
      alert: ALERT.hostCpu,
      expr: `100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))) > ${t}`,
      for: a.cpu.for,
      severity: 'warning',
      labels: HOST_LABELS,
      summary: `Host CPU above ${t}% on {{ $labels.instance }}`,
      description: `Average CPU use on {{ $labels.instance }} has stayed above ${t}% for ${a.cpu.for}: every project on the server slows down. The Infrastructure dashboard shows which containers use it.`,
      proof: {
        firing: idle(above),
        fires: [{ instance: target.instance }],
        activeFrom: 1,
        quiet: idle(below),
        firesWhen: `at ${above}% CPU`,
        quietWhen: `at ${below}% CPU`,
      },
    });
  }

  if (a.memory !== false) {
    const t = a.memory.above.value;
    const { above, below } = aroundPercent(t);
    const total = 8_000_000_000;
    const memory = (used: number): Series[] => [
      { metric: 'node_memory_MemTotal_bytes', labels: target, value: total },
      { metric: 'node_memory_MemAvailable_bytes', labels: target, value: round(total * (1 - used / 100)) },
    ];
    rules.push({
      group: 'host',
      alert: ALERT.hostMemory,
      expr: `100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes) > ${t}`,
      for: a.memory.for,
      severity: 'warning',
      labels: HOST_LABELS,
      summary: `Host memory above ${t}% on {{ $labels.instance }}`,
      description: `Memory use on {{ $labels.instance }} has stayed above ${t}% for ${a.memory.for}: the kernel will soon kill containers to free some.`,
      proof: {
        firing: memory(above),
        fires: [target],
        quiet: memory(below),
        firesWhen: `at ${above}% memory`,
        quietWhen: `at ${below}% memory`,
      },
    });
  }

  if (a.disk !== false) {
    const t = a.disk.above.value;
    const { above, below } = aroundPercent(t);
    const size = 100_000_000_000;
    const root = { ...target, device: '/dev/vda1', fstype: 'ext4', mountpoint: '/' };
    const filesystem = (labels: typeof root, used: number): Series[] => [
      { metric: 'node_filesystem_size_bytes', labels, value: size },
      { metric: 'node_filesystem_avail_bytes', labels, value: round(size * (1 - used / 100)) },
    ];
    // A full tmpfs is no reason to wake anyone: the quiet case has one.
    const tmpfs = { ...target, device: 'tmpfs', fstype: 'tmpfs', mountpoint: '/run' };
    const real = `fstype!~"${NOT_A_DISK}"`;
    rules.push({
      group: 'host',
      alert: ALERT.hostDisk,
      expr: `100 * (1 - node_filesystem_avail_bytes{${real}} / node_filesystem_size_bytes{${real}}) > ${t}`,
      for: a.disk.for,
      severity: 'critical',
      labels: HOST_LABELS,
      summary: `Disk {{ $labels.mountpoint }} above ${t}% on {{ $labels.instance }}`,
      description: `{{ $labels.mountpoint }} ({{ $labels.device }}) on {{ $labels.instance }} is more than ${t}% full: databases, logs and backups stop when it fills.`,
      proof: {
        firing: filesystem(root, above),
        fires: [root],
        quiet: [...filesystem(root, below), ...filesystem(tmpfs, 100)],
        firesWhen: `with / ${above}% full`,
        quietWhen: `with / ${below}% full and a full tmpfs`,
      },
    });
  }
  return rules;
}
