export type { BastionedDroplet, BastionedDropletOptions } from './bastion';
export { startDropletBehindBastion } from './bastion';
export type { DockerAvailability, TierDecision } from './docker-engine';
export { docker, dockerAvailable, dockerTier, ensureDockerEngine, isCi } from './docker-engine';
export type { Droplet, DropletCommandOptions, DropletOptions } from './droplet';
export { dropletTier, startDroplet } from './droplet';
export type { GitRepo, GitServer, RepoFiles, RepoSpec } from './git-server';
export { runGit, startGitServer } from './git-server';
export { BUSYBOX_IMAGE, dropletImageTag, ensureBusyboxImage, ensureDropletImage } from './images';
export type { PostgresOptions, PostgresServer } from './postgres';
export { startPostgres } from './postgres';
export type {
  ExitInfo,
  PollOptions,
  ProcessEndReason,
  RunOptions,
  RunResult,
  Service,
  ServiceOptions,
} from './process';
export {
  freePort,
  onProcessEnd,
  pollUntil,
  run,
  spawnService,
  tail,
  tcpAccepts,
  waitForFile,
} from './process';
export type { LocalRegistry, PushedImage } from './registry';
export { pushImage, startLocalRegistry } from './registry';
export type { LoopbackSshd, LoopbackSshdOptions, LoopbackTransportOptions } from './sshd';
export { startLoopbackSshd } from './sshd';
export { addSudoUserScript, REFUSE_ROOT_LOGIN } from './sudo-user';
export type { TestkitErrorCode } from './testkit-error';
export { TestkitError } from './testkit-error';
