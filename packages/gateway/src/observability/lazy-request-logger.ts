/**
 * Fastify gives every request a child logger (`request.log`) bound to its request id. Creating a pino child costs
 * more than the whole `/v1/verify` handler, and most requests never log through it: the per-request line is
 * written by the root logger. So the child is created on first use only, by a small object whose methods live on
 * its prototype (no closures per request).
 */
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';

type Bindings = Parameters<FastifyBaseLogger['child']>[0];
type ChildOptions = Parameters<FastifyBaseLogger['child']>[1];
type LogArguments = Parameters<FastifyBaseLogger['info']>;

class LazyRequestLogger implements FastifyBaseLogger {
  #child: FastifyBaseLogger | undefined;
  readonly #parent: FastifyBaseLogger;
  readonly #bindings: Bindings;
  readonly #options: ChildOptions;

  constructor(parent: FastifyBaseLogger, bindings: Bindings, options: ChildOptions) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  #real(): FastifyBaseLogger {
    this.#child ??= this.#parent.child(this.#bindings, this.#options);
    return this.#child;
  }

  get level(): FastifyBaseLogger['level'] {
    return this.#child?.level ?? this.#parent.level;
  }

  set level(level: FastifyBaseLogger['level']) {
    this.#real().level = level;
  }

  fatal(...args: LogArguments): void {
    this.#real().fatal(...args);
  }
  error(...args: LogArguments): void {
    this.#real().error(...args);
  }
  warn(...args: LogArguments): void {
    this.#real().warn(...args);
  }
  info(...args: LogArguments): void {
    this.#real().info(...args);
  }
  debug(...args: LogArguments): void {
    this.#real().debug(...args);
  }
  trace(...args: LogArguments): void {
    this.#real().trace(...args);
  }
  silent(...args: LogArguments): void {
    this.#real().silent(...args);
  }
  child(bindings: Bindings, options?: ChildOptions): FastifyBaseLogger {
    return this.#real().child(bindings, options);
  }
}

export const lazyChildLoggerFactory: NonNullable<FastifyServerOptions['childLoggerFactory']> = (
  logger: FastifyBaseLogger,
  bindings: Bindings,
  childOptions: ChildOptions,
) => new LazyRequestLogger(logger, bindings, childOptions);
