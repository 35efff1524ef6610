/**
 * Fastify gives every request a child logger (`request.log`) bound to its request id. Creating a pino child costs
 * more than the whole `/v1/verify` handler, and most requests never log through it: the per-request line is
 * written by the root logger. So the child is created on first use only.
 */
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';

type Bindings = Parameters<FastifyBaseLogger['child']>[0];
type ChildOptions = Parameters<FastifyBaseLogger['child']>[1];

export const lazyChildLoggerFactory: NonNullable<FastifyServerOptions['childLoggerFactory']> = (
  logger: FastifyBaseLogger,
  bindings: Bindings,
  childOptions: ChildOptions,
) => {
  let child: FastifyBaseLogger | undefined;
  const real = (): FastifyBaseLogger => {
    child ??= logger.child(bindings, childOptions);
    return child;
  };
  const lazy: FastifyBaseLogger = {
    get level() {
      return child?.level ?? logger.level;
    },
    set level(level) {
      real().level = level;
    },
    fatal: (...args: Parameters<FastifyBaseLogger['fatal']>) => real().fatal(...args),
    error: (...args: Parameters<FastifyBaseLogger['error']>) => real().error(...args),
    warn: (...args: Parameters<FastifyBaseLogger['warn']>) => real().warn(...args),
    info: (...args: Parameters<FastifyBaseLogger['info']>) => real().info(...args),
    debug: (...args: Parameters<FastifyBaseLogger['debug']>) => real().debug(...args),
    trace: (...args: Parameters<FastifyBaseLogger['trace']>) => real().trace(...args),
    silent: (...args: Parameters<FastifyBaseLogger['silent']>) => real().silent(...args),
    child: (childBindings, options) => real().child(childBindings, options),
  };
  return lazy;
};
