/** Stable codes of {@link SandboxError}. */
export type SandboxErrorCode =
  | 'invalid_fixture'
  | 'unknown_corp'
  | 'unknown_user'
  | 'unknown_mini_program'
  | 'unknown_fault'
  | 'no_session'
  | 'field_not_set'
  | 'unknown_delivery'
  | 'unknown_suite'
  | 'not_installed'
  | 'already_installed'
  | 'callback_verification_failed'
  | 'invalid_pre_auth_code';

const HTTP_STATUS: Record<SandboxErrorCode, number> = {
  invalid_fixture: 400,
  unknown_corp: 404,
  unknown_user: 404,
  unknown_mini_program: 404,
  unknown_fault: 404,
  no_session: 409,
  field_not_set: 409,
  unknown_delivery: 404,
  unknown_suite: 404,
  not_installed: 404,
  already_installed: 409,
  callback_verification_failed: 400,
  invalid_pre_auth_code: 400,
};

/**
 * The one error class of the sandbox package. `code` is stable; `httpStatus` is what the control API answers.
 *
 * @example
 * ```ts
 * try {
 *   sandbox.control.login({ userid: 'nobody' });
 * } catch (error) {
 *   if (error instanceof SandboxError && error.code === 'unknown_user') console.warn(error.message);
 * }
 * ```
 */
export class SandboxError extends Error {
  override readonly name = 'SandboxError';
  readonly code: SandboxErrorCode;
  readonly httpStatus: number;

  constructor(code: SandboxErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.httpStatus = HTTP_STATUS[code];
  }
}
