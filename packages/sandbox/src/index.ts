export type { SandboxFastifyInstance } from './app.js';
export { buildSandboxApp } from './app.js';
export type { CallRecord, CallSummary } from './call-log.js';
export type { CallbackReplayInput } from './callback-control-input.js';
export type { CallbackDelivery, CallbackReplay, CallbackReplayOptions } from './callback-dispatcher.js';
export { CODE_TTL_SECONDS } from './code-registry.js';
export {
  DEMO_APP,
  DEMO_CORP_ID,
  DEMO_MINI_PROGRAM_APP_ID,
  demoDirectory,
  OTHER_CORP_ID,
  SUBSIDIARY_APP,
  SUBSIDIARY_CORP_ID,
} from './demo-directory.js';
export { demoSuite } from './demo-suite.js';
export type {
  AppFixture,
  CorpFixture,
  DepartmentFixture,
  DirectoryFixture,
  DirectoryFixtureInput,
  MiniProgramFixture,
  UserFixture,
} from './directory-schema.js';
export { directorySchema, parseDirectory } from './directory-schema.js';
export type { ErrmsgStyle } from './errmsg.js';
export type { SandboxErrorCode } from './errors.js';
export { SandboxError } from './errors.js';
export type { Fault, FaultSpec } from './fault-injector.js';
export type { ProviderDirectory, ProviderDirectoryOptions } from './provider-directory.js';
export { generateProviderDirectory } from './provider-directory.js';
export type { RateLimits } from './rate-limiter.js';
export { DEFAULT_RATE_LIMITS } from './rate-limiter.js';
export type { SimulatorOptions } from './routes/simulator.js';
export type { Sandbox, SandboxOptions } from './sandbox.js';
export { createSandbox } from './sandbox.js';
export type {
  AppCreation,
  AppCreationInput,
  ClockState,
  EncryptInput,
  EncryptResult,
  FaultInput,
  LoginInput,
  LoginResult,
  OAuthCodeInput,
  TokenFilterInput,
} from './sandbox-control.js';
export { SandboxControl } from './sandbox-control.js';
export type { SandboxAppOptions, UnknownApiResponse } from './sandbox-options.js';
export type {
  SuiteAuthCodeResult,
  SuiteCallbackResult,
  SuiteEventResult,
  SuiteInstallListing,
  SuiteInstallPage,
  SuiteInstallSummary,
  SuiteSummary,
} from './suite-control.js';
export { SuiteControl } from './suite-control.js';
export type {
  SuiteCallbackInput,
  SuiteChangeInput,
  SuiteInstallInput,
  SuiteInstallListInput,
} from './suite-control-input.js';
export type { SuiteOptions } from './suite-schema.js';
export type { SuiteTicketPush } from './suite-ticket-pusher.js';
