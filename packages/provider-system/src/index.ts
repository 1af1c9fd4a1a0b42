// First, before any dependency runs: a clear refusal of a Node.js that is too old.
import '@stratum/core/node-version';

export type { SystemDirAttrs } from './dir-kind';
export { systemDirSchema } from './dir-kind';
export type { Manifest, SourceDirSummary } from './dir-manifest';
export { manifestDigest, sourceDirSummary } from './dir-manifest';
export type { SystemFileAttrs } from './file-kind';
export { systemFileSchema } from './file-kind';
export type { SystemPackageAttrs } from './package-kind';
export { systemPackageSchema } from './package-kind';
export type { SystemSecretFileAttrs } from './secret-file-kind';
export { systemSecretFileSchema } from './secret-file-kind';
export type { SystemServiceAttrs } from './service-kind';
export { systemServiceSchema } from './service-kind';
export { createSystemProvider } from './system-provider';
export type { SystemUfwRuleAttrs } from './ufw-rule-kind';
export { systemUfwRuleSchema } from './ufw-rule-kind';
