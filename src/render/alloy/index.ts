import { type Artifact, file } from '../artifact.ts';
import type { RenderContext } from '../context.ts';
import { LABEL, SHARED_PORTS, sharedContainer } from '../topology.ts';
import { type Block, ref, serialise } from './syntax.ts';

const DOCKER = 'unix:///var/run/docker.sock';
const meta = (label: string) => `__meta_docker_container_label_${label.replace(/[.-]/g, '_')}`;

/**
 * `shared/alloy/config.alloy`, the log shipper: finds this environment's containers by label, labels
 * every line with environment, project, service and container, and sends it to Loki with the
 * project as its tenant (`stage.tenant`), so one pipeline serves every project.
 */
export function renderAlloy(ctx: RenderContext): Artifact[] {
  if (ctx.spec.shared.monitoring.loki === false) return [];
  const env = ctx.spec.environment;
  const config: Block[] = [
    {
      name: 'discovery.docker',
      label: 'containers',
      attributes: [
        ['host', DOCKER],
        ['refresh_interval', '10s'],
      ],
      blocks: [
        {
          name: 'filter',
          attributes: [
            ['name', 'label'],
            ['values', [`${LABEL.environment}=${env}`]],
          ],
        },
      ],
    },
    {
      name: 'discovery.relabel',
      label: 'containers',
      attributes: [['targets', ref('discovery.docker.containers.targets')]],
      blocks: [
        {
          name: 'rule',
          attributes: [
            ['source_labels', [meta(LABEL.project)]],
            ['target_label', 'project'],
          ],
        },
        {
          name: 'rule',
          attributes: [
            ['source_labels', [meta(LABEL.service)]],
            ['target_label', 'service'],
          ],
        },
        {
          name: 'rule',
          attributes: [
            ['source_labels', ['__meta_docker_container_name']],
            ['regex', '/(.*)'],
            ['target_label', 'container'],
          ],
        },
        {
          name: 'rule',
          attributes: [
            ['target_label', 'environment'],
            ['replacement', env],
          ],
        },
      ],
    },
    {
      name: 'loki.source.docker',
      label: 'containers',
      attributes: [
        ['host', DOCKER],
        ['targets', ref('discovery.relabel.containers.output')],
        ['forward_to', [ref('loki.process.tenants.receiver')]],
      ],
    },
    {
      name: 'loki.process',
      label: 'tenants',
      attributes: [['forward_to', [ref('loki.write.loki.receiver')]]],
      // Loki keeps one tenant per project: the `project` label picks it (`shared` for the shared stack).
      blocks: [{ name: 'stage.tenant', attributes: [['label', 'project']] }],
    },
    {
      name: 'loki.write',
      label: 'loki',
      attributes: [],
      blocks: [
        {
          name: 'endpoint',
          attributes: [['url', `http://${sharedContainer('loki')}:${SHARED_PORTS.loki}/loki/api/v1/push`]],
        },
      ],
    },
  ];
  return [
    file(
      'shared/alloy/config.alloy',
      `// Rendered by stagecraft. Edit staging.yaml, not this file.\n${serialise(config)}\n`,
    ),
  ];
}
