import type { Provider } from '@stratum/core';
import { dockerContainerKind } from './container/kind';
import { dockerImageKind } from './image/kind';
import { dockerNetworkKind } from './network/kind';

/**
 * The `docker` provider: `docker_network`, `docker_container` and
 * `docker_image`, driven through the docker CLI on each resource's host. It
 * takes no configuration block.
 */
export function createDockerProvider(): Provider {
  return {
    name: 'docker',
    kinds: {
      docker_network: dockerNetworkKind,
      docker_container: dockerContainerKind,
      docker_image: dockerImageKind,
    },
  };
}
