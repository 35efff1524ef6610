/**
 * Turns what came over the wire into typed values or a {@link WecomAuthError}. Nothing from the server is trusted:
 * any shape that is not the gateway's becomes `invalid_response` or `http_error`, never a TypeError.
 */
import type { TransportResponse } from './transport.js';
import { isGatewayErrorCode, WecomAuthError, type WecomCause } from './wecom-auth-error.js';

/** The employee as the gateway describes them; more fields may appear in later gateway versions. */
export interface Employee {
  /** The employee's WeCom `userid`, unique within the corp. */
  readonly userId: string;
  /** The corp the employee belongs to. */
  readonly corpId: string;
  /** The display name. */
  readonly name: string;
  /** The departments the employee is in, by WeCom department id (with the name when the gateway knows it). */
  readonly departments: ReadonlyArray<{ readonly id: number; readonly name?: string }>;
  /** The id of the employee's main department. */
  readonly mainDepartment?: number;
  /** The job title. */
  readonly position?: string;
  /** The WeCom account's state; only `active` employees can log in. */
  readonly status?: 'active' | 'disabled' | 'inactive' | 'left' | 'unknown';
  /** The avatar's URL. */
  readonly avatar?: string;
  /** The gender, when WeCom discloses it. */
  readonly gender?: 'male' | 'female';
  /** Present once the employee disclosed it through `decrypt('email')`. */
  readonly email?: string;
  /** Present once the employee disclosed it through `decrypt('mobile')`. */
  readonly mobile?: string;
  /** Third-party apps: the `open_userid`, the same across one service provider's apps. */
  readonly openUserId?: string;
}

/** The session as the SDK keeps it. Times are epoch milliseconds on the device's clock. */
export interface StoredSession {
  readonly version: 1;
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly accessExpiresAt: number;
  readonly refreshExpiresAt: number;
  readonly employee: Employee;
}

const MAX_MESSAGE_LENGTH = 300;

/** A plain object (not `null`, not an array), whose fields can be read one by one. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function isPositiveSeconds(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

/** The body as JSON when it arrived as text (a transport that does not parse, or `dataType` ignored). */
export function bodyOf(response: TransportResponse): unknown {
  const { data } = response;
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return data;
  }
}

/** The error for a success answer whose body is not `what` the gateway sends. */
export function invalidResponse(response: TransportResponse, what: string): WecomAuthError {
  return new WecomAuthError('invalid_response', `The gateway's answer is not ${what}.`, {
    statusCode: response.statusCode,
  });
}

function wecomCauseOf(value: unknown): WecomCause | undefined {
  if (!isRecord(value) || typeof value.errcode !== 'number' || typeof value.errmsg !== 'string')
    return undefined;
  return { errcode: value.errcode, errmsg: value.errmsg.slice(0, MAX_MESSAGE_LENGTH) };
}

/** The shape of a WeCom corp id, as the gateway validates it. */
const CORP_ID = /^w[wx][0-9a-zA-Z]{6,30}$/;

/** The error an error answer stands for: the gateway's code when it sent a known one, `http_error` otherwise. */
export function errorFromAnswer(response: TransportResponse): WecomAuthError {
  const body = bodyOf(response);
  const fields = isRecord(body) ? body : {};
  const known = isGatewayErrorCode(fields.error);
  const message =
    known && isNonEmptyString(fields.message)
      ? fields.message.slice(0, MAX_MESSAGE_LENGTH)
      : `The gateway answered HTTP ${response.statusCode}.`;
  const wecom = wecomCauseOf(fields.wecom);
  const details: { statusCode: number; requestId?: string; wecom?: WecomCause } = {
    statusCode: response.statusCode,
  };
  if (isNonEmptyString(fields.requestId)) details.requestId = fields.requestId.slice(0, 128);
  if (wecom !== undefined) details.wecom = wecom;
  return new WecomAuthError(isGatewayErrorCode(fields.error) ? fields.error : 'http_error', message, details);
}

/**
 * The corp a `409 corp_mismatch` answer names: the user belongs to another corp the gateway serves, and must log in
 * again with a new `wx.qy.login` code exchanged for that corp. Undefined for any other answer.
 */
export function mismatchedCorpOf(response: TransportResponse): string | undefined {
  if (response.statusCode !== 409) return undefined;
  const body = bodyOf(response);
  if (!isRecord(body) || body.error !== 'corp_mismatch') return undefined;
  return typeof body.corpId === 'string' && CORP_ID.test(body.corpId) ? body.corpId : undefined;
}

/** The gateway's error code of a 400 or 401 answer, if it sent one. */
export function failureCodeOf(response: TransportResponse): string | undefined {
  if (response.statusCode !== 400 && response.statusCode !== 401) return undefined;
  const body = bodyOf(response);
  return isRecord(body) && typeof body.error === 'string' ? body.error : undefined;
}

/** The gateway's error code of a 401 answer, if it sent one. */
export function authFailureCode(response: TransportResponse): string | undefined {
  if (response.statusCode !== 401) return undefined;
  const body = bodyOf(response);
  return isRecord(body) && typeof body.error === 'string' ? body.error : undefined;
}

/** The employee of an answer, or `undefined` when the required fields are missing. */
export function parseEmployee(value: unknown): Employee | undefined {
  if (!isRecord(value)) return undefined;
  if (!isNonEmptyString(value.userId) || !isNonEmptyString(value.corpId) || typeof value.name !== 'string') {
    return undefined;
  }
  const departments = Array.isArray(value.departments) ? value.departments.filter(isRecord) : [];
  // A copy, so fields of later gateway versions reach the app while the required ones are checked.
  const employee = Object.assign({}, value, { departments }) as unknown as Employee;
  return employee;
}

/** A login or refresh answer as a session to keep; `undefined` when it is not one. */
export function parseSessionAnswer(value: unknown, now: number): StoredSession | undefined {
  if (!isRecord(value)) return undefined;
  const { accessToken, refreshToken, expiresIn, refreshExpiresIn } = value;
  const employee = parseEmployee(value.employee);
  if (
    !isNonEmptyString(accessToken) ||
    !isNonEmptyString(refreshToken) ||
    !isPositiveSeconds(expiresIn) ||
    !isPositiveSeconds(refreshExpiresIn) ||
    employee === undefined
  ) {
    return undefined;
  }
  return {
    version: 1,
    accessToken,
    refreshToken,
    accessExpiresAt: now + expiresIn * 1000,
    refreshExpiresAt: now + refreshExpiresIn * 1000,
    employee,
  };
}

/** A session read back from storage; anything else (an older format, a tampered value) is ignored. */
export function parseStoredSession(value: unknown): StoredSession | undefined {
  if (!isRecord(value) || value.version !== 1) return undefined;
  const { accessToken, refreshToken, accessExpiresAt, refreshExpiresAt } = value;
  const employee = parseEmployee(value.employee);
  if (
    !isNonEmptyString(accessToken) ||
    !isNonEmptyString(refreshToken) ||
    !isPositiveSeconds(accessExpiresAt) ||
    !isPositiveSeconds(refreshExpiresAt) ||
    employee === undefined
  ) {
    return undefined;
  }
  return { version: 1, accessToken, refreshToken, accessExpiresAt, refreshExpiresAt, employee };
}
