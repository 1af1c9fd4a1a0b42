// First, before any dependency runs: a clear refusal of a Node.js that is too old.
import './node-version';

export { addrKey, instanceName, parseAddr, parseInstanceName } from './addr';
export type { AfterApplyRef } from './after-apply';
export {
  afterApplyMarker,
  afterApplyRefs,
  holdsAfterApply,
  isWholeAfterApply,
  KNOWN_AFTER_APPLY,
  renderAfterApply,
  substituteAfterApply,
} from './after-apply';
export type { NamespaceResources, ResourceClaims } from './claims/check';
export {
  type CrossNamespaceConflict,
  checkClaims,
  checkCrossNamespace,
  collectClaims,
  crossNamespaceConflict,
} from './claims/check';
export type { Claim, HostClaims, NameClaim, PortClaim } from './claims/claims';
export { claimsClash } from './claims/claims';
export type { CommandFailedDetails } from './command-failure';
export { CommandFailedError, lastLine, outputTail } from './command-failure';
export { diff, diffObserved, ROOT_FIELD } from './diff';
export { DEFAULT_PARALLELISM } from './each-limited';
export type { ApplyOutcome, ApplyPlanOptions } from './engine/apply-plan';
export { applyPlan } from './engine/apply-plan';
export type { AwaitReadyContext } from './engine/await-ready';
export { awaitReady } from './engine/await-ready';
export type {
  Engine,
  EngineApplyOptions,
  EngineApplyResult,
  EngineOptions,
  EnginePlanOptions,
} from './engine/engine';
export { createEngine } from './engine/engine';
export type { EngineEvent } from './engine/events';
export type { GuardOptions } from './engine/guards';
export { checkGuards, DestroyRefusedError } from './engine/guards';
export { importTargets } from './engine/import';
export { maskValues } from './engine/mask';
export type { RunDescription } from './engine/run-history';
export type { OperationOutcome, RunOperationContext } from './engine/run-operation';
export { OnceMemo, runOperation } from './engine/run-operation';
export { SESSION_COMMAND, ShellSession, ShellSessions } from './engine/shell-session';
export type { StratumErrorOptions } from './errors';
export { StratumError } from './errors';
export { IMPLICIT_PREFIX, isImplicitName } from './implicit';
export { InvalidAttributeError } from './invalid-attribute';
export { jsonValueSchema } from './json';
export type { AttributeDoc, KindDoc, OutputDoc } from './kind-docs';
export { kindDocs } from './kind-docs';
export type {
  ExplainCommand,
  HostCommand,
  Operation,
  OperationVectorItem,
  Readiness,
  ReadinessPoll,
  ReadinessVerdict,
  VectorWriter,
} from './operation';
export type { BuildPlanOptions } from './plan/build-plan';
export { buildPlan } from './plan/build-plan';
export { deleteOrder } from './plan/delete-order';
export { dependsOn, triggeredBy } from './plan/depends-on';
export type { PlanErrorCode, PlanErrorDetails } from './plan/errors';
export { PlanError } from './plan/errors';
export type { CreatePlanOptions } from './plan/plan';
export { createPlan, summarize, withDrift } from './plan/plan';
export { digestedAttrs, planViews } from './plan/plan-views';
export { redactPlan } from './plan/redact-plan';
export { planRepairs, repairCount } from './plan/repair';
export type {
  SavedPlan,
  SavedPlanConfig,
  SavedPlanErrorCode,
  SavedStep,
  SavePlanInputs,
} from './plan/saved-plan';
export {
  checkSavedConfigs,
  checkSavedPlan,
  parseSavedPlan,
  priorStateDigest,
  SAVED_PLAN_VERSION,
  SavedPlanError,
  savedPlanSchema,
  savePlan,
} from './plan/saved-plan';
export { topoSortDesired } from './plan/topo-sort';
export { planTriggers } from './plan/triggers';
export type { PreparedDesired, PrepareOptions } from './prepare';
export { prepareDesired } from './prepare';
export type {
  ClaimsRequest,
  CreateRequest,
  DeleteRequest,
  KindHandler,
  KindSecrets,
  KindTrigger,
  LocalContext,
  Probe,
  ProbeVectorItem,
  Provider,
  ProviderContext,
  ProviderLogger,
  ReadRequest,
  ReadyRequest,
  TriggerRequest,
  UpdateRequest,
  VectorReader,
  VectorRun,
} from './provider';
export type { RefreshOptions } from './refresh';
export { refreshPlan } from './refresh';
export type { KindRoute } from './registry';
export { providerNameOf, Registry } from './registry';
export type { SecretVerifier } from './secrets/compare';
export { STANDALONE_VERIFIER } from './secrets/compare';
export {
  DIGEST_COST,
  digestDisplayHex,
  digestMatches,
  isLegacyDigest,
  isMarkerDigest,
  mintDigest,
} from './secrets/digest';
export type { SecretMarker } from './secrets/markers';
export {
  findUnresolvedPlaceholder,
  inlineMarker,
  isSecretMarker,
  markerFromDigest,
  markersIn,
  secretMarker,
  unresolvedPlaceholder,
} from './secrets/markers';
export type { RedactOptions } from './secrets/redact';
export { redactInto, scrubText } from './secrets/redact';
export type { KnownSecret } from './secrets/redaction-map';
export { RedactionMap, sha256Hex, sha256Tagged } from './secrets/redaction-map';
export {
  renderChange,
  renderMarker,
  renderSecretMarkers,
  renderValue,
  SHOWN_DIGEST_CHARS,
  secretDigestFields,
} from './secrets/render';
export { shellQuote } from './shell-quote';
export type { StateBackend, StateLease, StateLockRequest } from './state/backend';
export { fileStateBackend, splitStateBackend } from './state/backend';
export type { LockInfo, StateErrorCode } from './state/errors';
export { StateError, StateLockedError } from './state/errors';
export type {
  HistoryEntry,
  RunConfig,
  RunFinish,
  RunKind,
  RunRecord,
  RunResult,
  RunStart,
  RunStep,
  StateHistory,
  StepResult,
} from './state/history';
export {
  copyHistory,
  fileStateHistory,
  findRun,
  finishRun,
  foldHistory,
  historyPathFor,
  redactEntry,
  startRun,
} from './state/history';
export { journalPathFor } from './state/journal';
export { loadState, parseState } from './state/load';
export type { StateLock, StateLockOptions } from './state/lock';
export { acquireStateLock, lockPathFor, parseLockInfo, takeoverPathFor } from './state/lock';
export type { MergeResult } from './state/merge';
export { mergeStateFiles } from './state/merge';
export { saveState } from './state/save';
export {
  emptyState,
  resourceStateSchema,
  STATE_VERSION,
  serializeState,
  stateFileSchema,
} from './state/schema';
export { isSharedKey, isSharedResource, loadMerged, saveSplit } from './state/split';
export type { StateSurgeryErrorCode } from './state/surgery';
export {
  editState,
  forgetResources,
  moveResource,
  recordResources,
  refusePlaceholder,
  StateSurgeryError,
} from './state/surgery';
export { stateTarget } from './state/target';
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
  ResourceRefSite,
  ResourceSource,
  ResourceState,
  SecretRefSite,
  SourceLocation,
  State,
  StepTrigger,
} from './types';
export type { Diagnostic, DiagnosticCode, ProviderSettings } from './validate';
export {
  AttributeError,
  PROVIDER_SOURCE_ATTR,
  parseAttrs,
  parseProviderSettings,
  providerSettingsOf,
  validateDesired,
  validateProviderSettings,
} from './validate';
