import { StratumError } from '../errors';

/** Why the planner refused to make a plan. */
export type PlanErrorCode =
  | 'PortConflict'
  | 'NameConflict'
  | 'DependencyCycle'
  | 'UnknownDependency'
  | 'DuplicateDesired';

/** Data a {@link PlanError} carries besides its message. */
export interface PlanErrorDetails {
  /** The resources involved (`<kind>.<name>`), in the order the message names them. */
  addresses: readonly string[];
  /** `PortConflict`: the host both resources bind on. */
  host?: string | undefined;
  /** `PortConflict`: the contested host port. */
  port?: number | undefined;
  /** `DependencyCycle`: the cycle, first address repeated at the end. */
  cycle?: readonly string[] | undefined;
  hint: string;
}

/** A desired set the planner cannot turn into a plan. Thrown by `buildPlan` before anything runs. */
export class PlanError extends StratumError<PlanErrorCode> {
  static override readonly marker: string = '@stratum/core/PlanError';

  readonly addresses: readonly string[];
  readonly host: string | undefined;
  readonly port: number | undefined;
  readonly cycle: readonly string[] | undefined;

  constructor(code: PlanErrorCode, message: string, details: PlanErrorDetails) {
    super(code, message, { hint: details.hint });
    this.name = 'PlanError';
    this.addresses = Object.freeze([...details.addresses]);
    this.host = details.host;
    this.port = details.port;
    this.cycle = details.cycle === undefined ? undefined : Object.freeze([...details.cycle]);
  }
}
