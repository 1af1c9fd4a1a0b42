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
