/**
 * `@stratum/core/test`: helpers for testing providers (ours and third-party
 * ones) without a real host. See docs/guides/writing-a-provider.md.
 */

export type { CountingTransport } from './counting-transport';
export { countExecs } from './counting-transport';
export type { FakeCall, FakeProvider } from './fake-provider';
export { createFakeProvider, createFakeRegistry } from './fake-provider';
export { createLocalShellTransport } from './local-shell-transport';
export type { PlannedStepOptions } from './plan-builders';
export { plannedStep } from './plan-builders';
export type {
  CommandMatcher,
  ExecCall,
  ExecReply,
  RecordedExec,
  RecordingTransport,
  RecordingTransportOptions,
  Responder,
} from './recording-transport';
export { createRecordingTransport, respondByCommand } from './recording-transport';
export { refreshOne } from './refresh-one';
export type { StepRequest, StepRun } from './run-step';
export { runStep } from './run-step';
export { seededRandom } from './seeded-random';
export { desiredResource, resourceState, stateWith } from './state-builders';
export type { LogLine, TestContext } from './test-context';
export { createTestContext } from './test-context';
