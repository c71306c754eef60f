/** `render`: pure functions from (spec, plan) to artifacts; one folder per artifact family. */
export { type Artifact, file } from './artifact.ts';
export { composeDocument } from './compose/document.ts';
export { projectStack } from './compose/project.ts';
export { sharedComponents, sharedStack } from './compose/shared.ts';
export { type ContainerEnvironment, containerEnvironment, fillSecrets } from './container-environment.ts';
export type { RenderContext } from './context.ts';
export { generatedSecrets, passwordSecret } from './credentials.ts';
export { infraImage, LOCAL_TAG, NOT_IN_DEBIAN, serviceImage } from './images.ts';
export { prometheusArgs } from './prometheus/index.ts';
export { renderServerLayout } from './render.ts';
export { renderSecretFiles, type SecretLookup, secretsNeeded } from './secret-artifacts.ts';
export { scalar, toYaml } from './yaml.ts';
