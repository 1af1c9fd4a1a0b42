export type { StratumErrorOptions } from './errors';
export { StratumError } from './errors';
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
export type { KnownSecret } from './secrets/redaction-map';
export { RedactionMap, sha256Hex, sha256Tagged } from './secrets/redaction-map';
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
