/**
 * The WeCom Auth login gateway, to embed in a Node.js process: load a configuration, start the gateway (or build
 * its Fastify app around services you hold), and branch on its error codes.
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
export { ConfigError, type GatewayConfig, type LoadConfigInput, loadConfig } from './config/load-config.js';
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
  createDataSealer,
  type DataSealer,
  deriveDataKey,
  type SealPurpose,
} from './sessions/data-sealer.js';
export { hashRefreshToken } from './sessions/session-service.js';
export type { AccessTokenClaims } from './sessions/token-issuer.js';
