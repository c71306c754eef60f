import { LOKI_PUSH_URL } from '../loki/index.ts';
import { DOCKER_HOST } from './discovery.ts';
import { type Block, ref } from './syntax.ts';

/** Tails the discovered containers' logs through the Docker API. */
export function containerLogs(): Block {
  return {
    name: 'loki.source.docker',
    label: 'containers',
    attributes: [
      ['host', DOCKER_HOST],
      ['targets', ref('discovery.relabel', 'containers', 'output')],
      ['forward_to', [ref('loki.process', 'tenants', 'receiver')]],
    ],
  };
}

/** Routes every line to its project's Loki tenant; the comment rendered above it says why this way. */
export function tenantRouting(): Block {
  return {
    name: 'loki.process',
    label: 'tenants',
    comment: [
      'Tenant = project: stage.tenant sets each line\'s tenant ID from its "project" label',
      '("shared" for the shared stack), and loki.write sends each tenant its own batches',
      'with that X-Scope-OrgID. One pipeline serves every project, so adding or removing',
      "a project never changes this file's shape, unlike one loki.write per project.",
    ],
    attributes: [['forward_to', [ref('loki.write', 'loki', 'receiver')]]],
    blocks: [{ name: 'stage.tenant', attributes: [['label', 'project']] }],
  };
}

/** The one writer: Loki's push API on the shared network. */
export function lokiWriter(): Block {
  return {
    name: 'loki.write',
    label: 'loki',
    blocks: [{ name: 'endpoint', attributes: [['url', LOKI_PUSH_URL]] }],
  };
}
