import { LABEL } from '../model/index.ts';

/** The container labels cAdvisor keeps (`--whitelisted_container_labels`), so metrics say whose a container is. */
export const CADVISOR_KEPT_LABELS = [LABEL.project, LABEL.service, LABEL.environment] as const;

/** How cAdvisor names a container label it keeps: `container_label_<name>`, in Prometheus' alphabet. */
function cadvisorLabel(label: (typeof CADVISOR_KEPT_LABELS)[number]): string {
  return `container_label_${label.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

export const CADVISOR_PROJECT = cadvisorLabel(LABEL.project);
export const CADVISOR_SERVICE = cadvisorLabel(LABEL.service);
