/** The sandbox's control API (same origin as the page), as the simulator uses it. */

export interface DirectoryUser {
  userid: string;
  name: string;
  department: number[];
  position: string;
  mobile: string;
  avatar: string;
  thumb_avatar: string;
  status: number;
}

export interface DirectoryDepartment {
  id: number;
  name: string;
}

/** A self-built app of a corp, as the simulator reads it. */
export interface DirectoryApp {
  agentId: number;
  name: string;
  miniProgramAppId: string | null;
  /** `user/get` answers it as WeCom answers apps created after 2022-06-20 (no mobile, email, avatar…). */
  createdAfter20220620: boolean;
}

export interface DirectoryCorp {
  corpId: string;
  name: string;
  /** The corp's apps; one with `miniProgramAppId` associates the corp with that mini program. */
  apps: DirectoryApp[];
  departments: DirectoryDepartment[];
  users: DirectoryUser[];
}

export interface Directory {
  corps: DirectoryCorp[];
  miniPrograms: { appId: string; name: string }[];
}

// The call log's shapes are the sandbox's own (a type-only import: nothing of the server reaches the bundle).
import type { CallRecord, CallSummary } from '../src/call-log.js';

export type { CallRecord, CallSummary };

export interface EncryptedData {
  encryptedData: string;
  iv: string;
}

/** A failed control call, with the sandbox's own error code when it gave one. */
export class SandboxCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SandboxCallError';
  }
}

/** One control call: JSON in and out; a failure throws {@link SandboxCallError}. */
export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, headers: { accept: 'application/json' } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { accept: 'application/json', 'content-type': 'application/json' };
  }
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new SandboxCallError('network_error', 'the sandbox is not answering');
  }
  if (response.status === 204) return undefined as T;
  const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) {
    const code = typeof answer.error === 'string' ? answer.error : 'http_error';
    const message = typeof answer.message === 'string' ? answer.message : `HTTP ${response.status}`;
    throw new SandboxCallError(code, message);
  }
  return answer as T;
}

export const sandboxApi = {
  config: () => call<{ gatewayUrl: string | null }>('GET', '/__sandbox/simulator-config'),
  directory: () => call<Directory>('GET', '/__sandbox/directory'),
  login: (member: { corpId: string; userid: string }) =>
    call<{ code: string }>('POST', '/__sandbox/login', { corpid: member.corpId, userid: member.userid }),
  encrypt: (member: { corpId: string; userid: string }, kind: 'mobile' | 'email' | 'userinfo') =>
    call<EncryptedData>('POST', '/__sandbox/encrypt', { corpid: member.corpId, userid: member.userid, kind }),
  calls: () => call<CallSummary>('GET', '/__sandbox/calls'),
  faults: () =>
    call<{ faults: { id: string; path: string; delayMs?: number; errcode?: number }[] }>(
      'GET',
      '/__sandbox/faults',
    ),
  addFault: (fault: Record<string, unknown>) => call<{ id: string }>('POST', '/__sandbox/faults', fault),
  removeFault: (id: string) => call<undefined>('DELETE', `/__sandbox/faults/${encodeURIComponent(id)}`),
  expireTokens: () => call<{ expired: number }>('POST', '/__sandbox/tokens/expire', {}),
  setAppCreation: (app: { corpId: string; agentId: number }, createdAfter20220620: boolean) =>
    call<DirectoryApp>('PATCH', `/__sandbox/directory/apps/${app.agentId}`, {
      corpid: app.corpId,
      createdAfter20220620,
    }),
};
