/**
 * The logging port: the subset of pino's API the client uses, so a pino logger (or any compatible one) plugs in.
 * Objects passed to it never contain a secret.
 */
export interface WecomLogger {
  debug(object: Record<string, unknown>, message: string): void;
  info(object: Record<string, unknown>, message: string): void;
  warn(object: Record<string, unknown>, message: string): void;
  error(object: Record<string, unknown>, message: string): void;
}

const ignore = (): void => {};

/** The default logger: says nothing. */
export const silentLogger: WecomLogger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
