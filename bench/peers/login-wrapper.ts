/**
 * The one shape every library is driven through: `login(code)` runs code → `miniprogram/jscode2session` →
 * `user/get` with the library's own token handling, once. The harness never retries a login, so any recovery from
 * an expired token, a revoked token or a busy answer has to come from the library itself.
 */

/** The employee a login resolves to. */
export interface Employee {
  readonly userid: string;
  readonly name: string;
}

export interface LoginWrapper {
  login(code: string): Promise<Employee>;
  /** Undoes what the adapter changed in the library (patched URLs, interceptors) so the next instance starts clean. */
  close(): void;
}

/** Where and how every library is pointed: the same sandbox, app and deadline for all of them. */
export interface SandboxTarget {
  readonly baseUrl: string;
  readonly corpId: string;
  readonly agentId: number;
  readonly secret: string;
  /** Deadline of one HTTP exchange, given to every library that has such an option. */
  readonly timeoutMs: number;
}

/** A library under test, with what the report says about how it was driven. */
export interface PeerLibrary {
  /** The npm package name. */
  readonly name: string;
  readonly version: string;
  /** How it was pointed at the sandbox. */
  readonly redirect: string;
  /** How the login reaches `jscode2session` and `user/get`. */
  readonly flow: string;
  /** Whether it was given the shared per-request timeout (otherwise only the harness deadline stops it). */
  readonly timeout: boolean;
  /** A new instance with no cached token. */
  create(target: SandboxTarget): LoginWrapper;
}

/** A WeCom answer with a non-zero errcode, raised by adapters whose library hands such answers back as data. */
export class WecomAnswerError extends Error {
  constructor(
    readonly apiPath: string,
    readonly errcode: unknown,
  ) {
    super(`${apiPath} answered errcode ${String(errcode)}`);
    this.name = 'WecomAnswerError';
  }
}

function field(payload: unknown, name: string): unknown {
  return typeof payload === 'object' && payload !== null
    ? (payload as Record<string, unknown>)[name]
    : undefined;
}

/** Throws unless a WeCom JSON answer is a success (errcode absent or 0). */
export function requireSuccess(apiPath: string, payload: unknown): void {
  const errcode = field(payload, 'errcode');
  if (errcode !== undefined && errcode !== 0) throw new WecomAnswerError(apiPath, errcode);
}

/** The userid a `jscode2session` answer carries; a login without one has not succeeded. */
export function sessionUserId(payload: unknown): string {
  requireSuccess('/cgi-bin/miniprogram/jscode2session', payload);
  const userid = field(payload, 'userid');
  if (typeof userid !== 'string' || userid === '') throw new Error('jscode2session answered no userid');
  return userid;
}

/** The employee a `user/get` answer describes; a login only counts when both fields are there. */
export function employeeOf(payload: unknown): Employee {
  requireSuccess('/cgi-bin/user/get', payload);
  const userid = field(payload, 'userid');
  const name = field(payload, 'name');
  if (typeof userid !== 'string' || typeof name !== 'string')
    throw new Error('user/get answered no userid or name');
  return { userid, name };
}
