/**
 * The WeCom Auth login gateway, to embed in a Node.js process: load a configuration, start the gateway (or build
 * its Fastify app around services you hold), branch on its error codes, check a setup (`runDoctor`) and rotate its
 * keys.
 *
 * @example
 * import { createLogger, loadConfig, startGateway } from '@wecom-auth/gateway';
 * const config = loadConfig({ env: process.env });
 * const gateway = await startGateway({ config, logger: createLogger({ level: config.logLevel }) });
 *
 * @packageDocumentation
 */
export { type AdminAppOptions, buildAdminApp } from './admin/admin-app.js';
export { buildGatewayApp, type GatewayAppOptions } from './app.js';
export type { CallbackSettings } from './callbacks/callback-settings.js';
export type { CorpConfig, CorpSettingNames } from './config/corps.js';
export {
  ConfigError,
  type GatewayConfig,
  type GatewayCredentials,
  type LoadConfigInput,
  loadConfig,
  type SuiteCredentials,
} from './config/load-config.js';
export type { SuiteConfig } from './config/suite.js';
export { type RotateDataKeyInput, type RotatedDataKey, rotateDataKey } from './data-key-rotation.js';
export { type CheckPosition, CheckRegistry } from './doctor/check-registry.js';
export { defaultDoctorChecks } from './doctor/default-checks.js';
export type {
  CheckBase,
  CheckOutcome,
  CheckResult,
  ConsolePath,
  CorpCheck,
  DoctorCheck,
  Fix,
  SetupCheck,
  Verdict,
  WecomVerdictCause,
} from './doctor/doctor-check.js';
export type { DoctorContext, DoctorInput, DoctorUpstream } from './doctor/doctor-context.js';
export type { DoctorCorp } from './doctor/doctor-corp.js';
export type {
  DoctorSuite,
  DoctorSuiteOptions,
  SuiteSettingNames,
  SuiteTokenAttempt,
} from './doctor/doctor-suite.js';
export { renderDoctorJson, renderDoctorText } from './doctor/render-doctor.js';
export { type DoctorReport, runDoctor } from './doctor/run-doctor.js';
export type { WecomAnswer, WecomProbe } from './doctor/wecom-probe.js';
export type { Employee, EmployeeStatus } from './employees/employee.js';
export {
  type ErrorBody,
  GatewayError,
  type GatewayErrorCode,
  type GatewayErrorEntry,
  gatewayErrorCatalog,
  gatewayErrorCodes,
  type WecomCause,
} from './gateway-error.js';
export type { ServerLimits } from './http-server.js';
export { type RotatedKeys, type RotateSigningKeysInput, rotateSigningKeys } from './key-rotation.js';
export { createLogger, type LoggerOptions } from './observability/logger.js';
export { createGatewayMetrics, type GatewayMetrics } from './observability/metrics.js';
export type { SuiteCallbackSettings } from './routes/suite-callback.js';
export {
  type ClientContext,
  type SecurityEvent,
  type SecurityEvents,
  type SecurityEventType,
  securityEventTypes,
} from './security-events/security-event.js';
export {
  type SecurityEventCounters,
  SecurityEventRecorder,
  type SecurityEventRecorderOptions,
} from './security-events/security-event-recorder.js';
export { type RunningGateway, type StartGatewayOptions, startGateway } from './server.js';
export {
  createGatewayServices,
  type GatewayServices,
  type GatewayServicesInput,
  openGatewayServices,
  type ServiceSettings,
} from './services.js';
export {
  createDataKeyring,
  type DataKey,
  type DataKeyring,
  type UnsealedRecord,
} from './sessions/data-keyring.js';
export type { ResealCounts, ResealReport } from './sessions/data-resealer.js';
export {
  createDataSealer,
  type DataSealer,
  deriveDataKey,
  type SealPurpose,
} from './sessions/data-sealer.js';
export { hashRefreshToken } from './sessions/refresh-token.js';
export {
  type ResealableKind,
  ResealRegistry,
  resealableKindsOf,
  type SealedRecord,
} from './sessions/resealable-records.js';
export type { AccessTokenClaims } from './sessions/token-issuer.js';
export type { TicketState } from './tenants/stored-suite-ticket.js';
export type {
  AttestedLogin,
  SuiteReadiness,
  TenantReadiness,
  Tenants,
  TokenState,
} from './tenants/tenants.js';
