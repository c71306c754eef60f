import { LABEL } from '../../model/index.ts';
import { type Block, ref } from './syntax.ts';

export const DOCKER_HOST = 'unix:///var/run/docker.sock';

/** How `discovery.docker` exposes a container label: dots and dashes become underscores. */
export function dockerLabelMeta(label: string): string {
  return `__meta_docker_container_label_${label.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/** Every container of this environment, found through the Docker socket by stagecraft's label. */
export function containerDiscovery(environment: string): Block {
  return {
    name: 'discovery.docker',
    label: 'containers',
    comment: [`Containers of the ${environment} environment, by the label stagecraft puts on each.`],
    attributes: [
      ['host', DOCKER_HOST],
      ['refresh_interval', '10s'],
    ],
    blocks: [
      {
        name: 'filter',
        attributes: [
          ['name', 'label'],
          ['values', [`${LABEL.environment}=${environment}`]],
        ],
      },
    ],
  };
}

const rule = (attributes: [string, string | string[]][]): Block => ({ name: 'rule', attributes });

/**
 * The labels every log line carries: `project`, `service`, `container` and `environment`, from
 * the container's `io.stagecraft.*` labels and its name.
 */
export function containerLabels(): Block {
  return {
    name: 'discovery.relabel',
    label: 'containers',
    comment: [
      'A container without a project label has no tenant to go to: it is not one of ours.',
      'Shared-stack containers carry the project label "shared".',
    ],
    attributes: [['targets', ref('discovery.docker', 'containers', 'targets')]],
    blocks: [
      rule([
        ['source_labels', [dockerLabelMeta(LABEL.project)]],
        ['regex', '.+'],
        ['action', 'keep'],
      ]),
      rule([
        ['source_labels', [dockerLabelMeta(LABEL.project)]],
        ['target_label', 'project'],
      ]),
      rule([
        ['source_labels', [dockerLabelMeta(LABEL.service)]],
        ['target_label', 'service'],
      ]),
      rule([
        ['source_labels', [dockerLabelMeta(LABEL.environment)]],
        ['target_label', 'environment'],
      ]),
      rule([
        ['source_labels', ['__meta_docker_container_name']],
        ['regex', '/(.*)'],
        ['target_label', 'container'],
      ]),
    ],
  };
}
