export { buildGatewayApp, type GatewayAppOptions } from './app.js';
export type { CallbackSettings } from './callbacks/callback-settings.js';
export { ConfigError, type GatewayConfig, loadConfig } from './config/load-config.js';
export { renderSettingsTable, settings } from './config/settings.js';
export type { Employee, EmployeeStatus } from './employees/employee.js';
export {
  type ErrorBody,
  GatewayError,
  type GatewayErrorCode,
  type GatewayErrorEntry,
  gatewayErrorCatalog,
  gatewayErrorCodes,
} from './gateway-error.js';
export { type RotatedKeys, type RotateSigningKeysInput, rotateSigningKeys } from './key-rotation.js';
export { createLogger, redactedPaths } from './observability/logger.js';
export { createGatewayMetrics, type GatewayMetrics } from './observability/metrics.js';
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
