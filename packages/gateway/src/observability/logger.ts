/**
 * The gateway's pino logger. Redaction is the last line of defence: the code never puts a credential into a log
 * object, and these paths make sure a header or body that carries one is censored anyway.
 */
import { type Logger, pino } from 'pino';

/** The log paths censored as `[redacted]`, wherever a credential could appear. */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'accessToken',
  'refreshToken',
  'sessionKey',
  'secret',
  'corpsecret',
  'access_token',
  'session_key',
  'body.code',
  'body.refreshToken',
  'body.encryptedData',
  '*.accessToken',
  '*.refreshToken',
  '*.sessionKey',
  '*.secret',
];

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** A pino level: `fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`. */
  readonly level: string;
  /** Where the JSON lines go; stdout, asynchronously, by default. */
  readonly destination?: pino.DestinationStream;
}

/**
 * The gateway's logger: JSON lines with credentials censored. Pass it to {@link startGateway} or to
 * {@link buildGatewayApp}.
 *
 * @example
 * const logger = createLogger({ level: 'info' });
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'wecom-auth' },
      redact: { paths: redactedPaths, censor: '[redacted]' },
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}
