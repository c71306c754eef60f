import { LABEL } from '../../model/index.ts';

/** A label matcher with its value quoted as PromQL and LogQL read it (Go escapes; JSON's are a subset). */
export function matcher(label: string, op: '=' | '!=' | '=~' | '!~', value: string): string {
  return `${label}${op}${JSON.stringify(value)}`;
}

/** How cAdvisor exposes a container label (`--whitelisted_container_labels`): `container_label_<name>`. */
export function cadvisorLabel(label: string): string {
  return `container_label_${label.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

export const CADVISOR_PROJECT = cadvisorLabel(LABEL.project);
export const CADVISOR_SERVICE = cadvisorLabel(LABEL.service);

/** The dashboard variable the application dashboards filter by; Grafana writes it as a regex. */
export const SERVICE_VARIABLE = '$service';
