import { Duration, type Spec } from '../../spec/index.ts';
import { BLACKHOLE, defaultReceiver } from './receivers.ts';

type Alertmanager = Exclude<Spec['shared']['monitoring']['alertmanager'], false>;

const CRITICAL = 'severity="critical"';

/**
 * The routing tree: everything to the first receiver, grouped by alert, project and service with
 * the spec's timings; a project with `alerts.receiver` gets its own alerts; critical alerts repeat
 * four times as often (never more often than groups are sent).
 */
export function route(spec: Spec, am: Alertmanager) {
  const fallback = defaultReceiver(am);
  const every = criticalRepeat(am);
  const urgent = (receiver: string) =>
    every ? [{ receiver, matchers: [CRITICAL], repeat_interval: every.toPrometheus() }] : [];
  const projects = spec.projects
    .filter((p) => p.alerts.receiver)
    .map((p) => {
      const receiver = p.alerts.receiver!;
      const sooner = urgent(receiver);
      return {
        receiver,
        matchers: [`project=${JSON.stringify(p.name)}`],
        ...(sooner.length ? { routes: sooner } : {}),
      };
    });
  const children = [...projects, ...(fallback === BLACKHOLE ? [] : urgent(fallback))];
  return {
    receiver: fallback,
    group_by: ['alertname', 'project', 'service'],
    group_wait: am.groupWait.toPrometheus(),
    group_interval: am.groupInterval.toPrometheus(),
    repeat_interval: am.repeatInterval.toPrometheus(),
    ...(children.length ? { routes: children } : {}),
  };
}

/** A quarter of the repeat interval in whole seconds, at least the group interval; none if that is no sooner. */
function criticalRepeat(am: Alertmanager): Duration | undefined {
  const seconds = Math.max(Math.round(am.repeatInterval.toSeconds() / 4), am.groupInterval.toSeconds());
  return seconds < am.repeatInterval.toSeconds() ? Duration.seconds(seconds) : undefined;
}
