/** `render`: pure functions from (spec, plan) to artifacts; one folder per artifact family. */
export { type Artifact, file } from './artifact.ts';
export { sharedComponents } from './compose/shared.ts';
export type { RenderContext } from './context.ts';
export { generatedSecrets, passwordSecret } from './credentials.ts';
export { type ContainerEnvironment, containerEnvironment, fillSecrets } from './environment.ts';
export { infraImage, LOCAL_TAG, NOT_IN_DEBIAN, serviceImage } from './images.ts';
export { renderAll, renderCompose } from './render.ts';
export { renderSecretFiles, type SecretLookup, secretsNeeded } from './secret-files.ts';
export * from './topology.ts';
export { scalar, toYaml } from './yaml.ts';
