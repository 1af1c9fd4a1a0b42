export { addrKey, parseAddr } from './addr';
export type { CommandFailedDetails } from './command-failure';
export { CommandFailedError, lastLine, outputTail } from './command-failure';
export { diff, diffObserved, ROOT_FIELD } from './diff';
export type { StratumErrorOptions } from './errors';
export { StratumError } from './errors';
export type { BuildPlanOptions } from './plan/build-plan';
export { buildPlan } from './plan/build-plan';
export { deleteOrder } from './plan/delete-order';
export { dependsOn } from './plan/depends-on';
export type { PlanErrorCode, PlanErrorDetails } from './plan/errors';
export { PlanError } from './plan/errors';
export type { CreatePlanOptions } from './plan/plan';
export { createPlan, summarize, withDrift } from './plan/plan';
export { planViews } from './plan/plan-views';
export type { PortSpec } from './plan/port-conflicts';
export { checkPortConflicts, parsePortSpec } from './plan/port-conflicts';
export { redactPlan } from './plan/redact-plan';
export { planRepairs, repairCount } from './plan/repair';
export { IMPLICIT_PREFIX, topoSortDesired } from './plan/topo-sort';
export type {
  CreateRequest,
  DeleteRequest,
  KindHandler,
  Probe,
  Provider,
  ProviderContext,
  ProviderLogger,
  ReadRequest,
  UpdateRequest,
} from './provider';
export type { ContainerHealthCode, PollContainerHealthOptions } from './readiness';
export { ContainerHealthError, pollContainerHealth } from './readiness';
export type { RefreshOptions } from './refresh';
export { refreshPlan } from './refresh';
export type { KindRoute } from './registry';
export { providerNameOf, Registry } from './registry';
export type { SecretMarker } from './secrets/markers';
export { inlineMarker, isSecretMarker, markerFromDigest, secretMarker } from './secrets/markers';
export { normalizeForPlan, SECRET_CONTENT_TO_SHA } from './secrets/normalize';
export { redactInto } from './secrets/redact';
export type { KnownSecret } from './secrets/redaction-map';
export { RedactionMap, sha256Hex, sha256Tagged } from './secrets/redaction-map';
export {
  renderChange,
  renderMarker,
  renderSecretMarkers,
  renderValue,
  SHOWN_DIGEST_CHARS,
} from './secrets/render';
export { shellQuote } from './shell-quote';
export type { LockInfo, StateErrorCode } from './state/errors';
export { StateError, StateLockedError } from './state/errors';
export { loadState, parseState } from './state/load';
export type { StateLock, StateLockOptions } from './state/lock';
export { acquireStateLock, lockPathFor } from './state/lock';
export type { MergeResult } from './state/merge';
export { mergeStateFiles } from './state/merge';
export { saveState } from './state/save';
export { emptyState, STATE_VERSION, serializeState } from './state/schema';
export { isSharedResource, loadMerged, SHARED_NAME_PREFIX, saveSplit } from './state/split';
export type { ExecOptions, ExecResult, StdinSource, Transport } from './transport';
export type {
  Action,
  DesiredResource,
  Drift,
  FieldChange,
  JsonObject,
  JsonValue,
  Observed,
  Plan,
  PlannedResource,
  PlanSummary,
  ResourceAddr,
  ResourceSource,
  ResourceState,
  SourceLocation,
  State,
} from './types';
export type { Diagnostic, DiagnosticCode } from './validate';
export { AttributeError, parseAttrs, validateDesired } from './validate';
