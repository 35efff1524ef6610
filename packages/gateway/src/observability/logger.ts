/**
 * The gateway's pino logger. Redaction is the last line of defence: the code never puts a credential into a log
 * object, and these paths make sure a header or body that carries one is censored anyway.
 */
import { type Logger, pino } from 'pino';

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

export function createLogger(options: { level: string; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'wecom-auth' },
      redact: { paths: redactedPaths, censor: '[redacted]' },
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}
