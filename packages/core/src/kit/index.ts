/**
 * `@stratum/core/kit`: what every provider needs and should not write again —
 * the shared attribute schemas, mode and owner comparison, readers of prior
 * state, local files for `prepare`, and quoting. Built-in providers use
 * exactly this; so can yours.
 */
export { CommandFailedError, lastLine, outputTail } from '../command-failure';
export { maskValues } from '../engine/mask';
export { InvalidAttributeError } from '../invalid-attribute';
export { sha256Hex } from '../secrets/redaction-map';
export { shellQuote } from '../shell-quote';
export type { LocalPathCodes } from './local-files';
export {
  decodeUtf8,
  describeFsError,
  LOCAL_TEXT_LIMIT,
  localDirectory,
  localPath,
  readBoundedFile,
  readLocalText,
} from './local-files';
export { fourDigitMode, modeValue, observedAccount, observedMode, sameMode } from './modes';
export type { PriorRequest } from './prior';
export {
  addrOf,
  compact,
  priorHost,
  priorNumber,
  priorObject,
  priorString,
  requirePriorString,
} from './prior';
export { absolutePathSchema, accountSchema, envNameSchema, hostSchema, octalModeSchema } from './schemas';
