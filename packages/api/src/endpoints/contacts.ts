/**
 * The contact APIs (members, departments, batch id conversion): interfaces with their contract, and the functions
 * that implement them over the request core.
 */
import type { AccessTokenSource, RequestCore, WecomEnvelope } from '../request-core.js';
import type {
  ConvertToOpenidResult,
  DepartmentGetResult,
  DepartmentListResult,
  DepartmentSimpleListResult,
  UseridToOpenuseridResult,
  WecomUser,
} from '../types.js';

function requireUserId(userId: string): void {
  if (typeof userId !== 'string' || userId.length === 0)
    throw new TypeError('userId must be a non-empty string');
}

/**
 * The member APIs of {@link WecomClient}. `User` is what `user/get` answers the client's kind of app:
 * {@link WecomUser} for a corp's own app, `ThirdPartyUser` for a corp client of a third-party suite.
 */
export interface UserEndpoints<User extends WecomEnvelope = WecomUser> {
  /**
   * Reads one member. A member outside the app's visible range (or unknown to it) throws `WecomVisibleRangeError`
   * (`outside_visible_range`, errcode 60011 or 60111).
   *
   * @example
   * const user = await client.user.get('zhangsan');
   * user.name; // "张三"
   */
  get(userId: string): Promise<User>;
  /**
   * The member's WeChat openid (43004 when the member never bound WeChat).
   *
   * @example
   * const { openid } = await client.user.convertToOpenid('zhangsan');
   */
  convertToOpenid(userId: string): Promise<ConvertToOpenidResult>;
}

/** The department APIs of {@link WecomClient}: only departments in the app's visible range. */
export interface DepartmentEndpoints {
  /**
   * One department.
   *
   * @example
   * const { department } = await client.department.get(1);
   */
  get(id: number): Promise<DepartmentGetResult>;
  /**
   * A department and its sub-departments, recursively; the whole visible tree without `id`.
   *
   * @example
   * const { department = [] } = await client.department.list();
   */
  list(id?: number): Promise<DepartmentListResult>;
  /**
   * Ids only, the lighter call WeCom recommends.
   *
   * @example
   * const { department_id = [] } = await client.department.simplelist();
   */
  simplelist(id?: number): Promise<DepartmentSimpleListResult>;
}

/** The batch APIs of {@link WecomClient}. */
export interface BatchEndpoints {
  /**
   * userid → open_userid, at most 1000 at a time (provider-built and third-party apps only).
   *
   * @example
   * const { open_userid_list = [] } = await client.batch.useridToOpenuserid(['zhangsan', 'lisi']);
   */
  useridToOpenuserid(userIds: readonly string[]): Promise<UseridToOpenuseridResult>;
}

export function userEndpoints<User extends WecomEnvelope = WecomUser>(
  core: RequestCore,
  tokens: AccessTokenSource,
): UserEndpoints<User> {
  return {
    get(userId: string): Promise<User> {
      requireUserId(userId);
      return core.withToken<User>(
        { method: 'GET', path: '/cgi-bin/user/get', query: { userid: userId }, idempotent: true },
        tokens,
      );
    },
    convertToOpenid(userId: string): Promise<ConvertToOpenidResult> {
      requireUserId(userId);
      return core.withToken<ConvertToOpenidResult>(
        { method: 'POST', path: '/cgi-bin/user/convert_to_openid', body: { userid: userId } },
        tokens,
      );
    },
  };
}

function departmentQuery(id: number | undefined): { id?: number } {
  if (id === undefined) return {};
  if (!Number.isInteger(id) || id < 1) throw new TypeError('department id must be a positive integer');
  return { id };
}

export function departmentEndpoints(core: RequestCore, tokens: AccessTokenSource): DepartmentEndpoints {
  return {
    get(id: number): Promise<DepartmentGetResult> {
      if (id === undefined) throw new TypeError('department id must be a positive integer');
      return core.withToken<DepartmentGetResult>(
        { method: 'GET', path: '/cgi-bin/department/get', query: departmentQuery(id), idempotent: true },
        tokens,
      );
    },
    list(id?: number): Promise<DepartmentListResult> {
      return core.withToken<DepartmentListResult>(
        { method: 'GET', path: '/cgi-bin/department/list', query: departmentQuery(id), idempotent: true },
        tokens,
      );
    },
    simplelist(id?: number): Promise<DepartmentSimpleListResult> {
      return core.withToken<DepartmentSimpleListResult>(
        {
          method: 'GET',
          path: '/cgi-bin/department/simplelist',
          query: departmentQuery(id),
          idempotent: true,
        },
        tokens,
      );
    },
  };
}

export function batchEndpoints(core: RequestCore, tokens: AccessTokenSource): BatchEndpoints {
  return {
    useridToOpenuserid(userIds: readonly string[]): Promise<UseridToOpenuseridResult> {
      if (!Array.isArray(userIds) || userIds.length === 0 || userIds.length > 1000) {
        throw new TypeError('userIds must be an array of 1 to 1000 userids');
      }
      return core.withToken<UseridToOpenuseridResult>(
        { method: 'POST', path: '/cgi-bin/batch/userid_to_openuserid', body: { userid_list: userIds } },
        tokens,
      );
    },
  };
}
