import { StratumError } from './errors';

/**
 * One attribute of one resource is wrong in a way its kind found (a local file
 * that cannot be read, two attributes that exclude each other). Thrown by a
 * kind's `prepare`; validation turns it into a diagnostic that points at the
 * attribute's `file:line:col`.
 */
export class InvalidAttributeError extends StratumError {
  static override readonly marker: string = '@stratum/core/InvalidAttributeError';

  /** The top-level attribute at fault. */
  readonly attr: string;

  constructor(code: string, attr: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(code, message, options);
    this.name = 'InvalidAttributeError';
    this.attr = attr;
  }
}
