// First, before any dependency runs: a clear refusal of a Node.js that is too old.
import '@stratum/core/node-version';

export type { ContainerHealthCode, HealthTarget } from './container/health';
export { ContainerHealthError, containerHealthReadiness } from './container/health';
export { dockerContainerKind } from './container/kind';
export type { PortSpec } from './container/ports';
export { parsePortSpec } from './container/ports';
export type { ContainerAttrs, HealthcheckAttrs } from './container/schema';
export { containerSchema, healthcheckSchema } from './container/schema';
export { dockerImageKind } from './image/kind';
export type { ImageAttrs } from './image/schema';
export { imageSchema } from './image/schema';
export { dockerNetworkKind } from './network/kind';
export type { NetworkAttrs } from './network/schema';
export { networkSchema } from './network/schema';
export { createDockerProvider } from './provider';
export type { DockerErrorCode, DockerErrorFields } from './shared/errors';
export { DockerError } from './shared/errors';
