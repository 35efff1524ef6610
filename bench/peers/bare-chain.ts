/**
 * The reference for the throughput figures: the two calls of a login with undici and nothing else — the token
 * fetched once, no error handling, no retry, no cache bookkeeping. What it costs is what the sandbox and a bare HTTP
 * client cost; whatever a library costs above it is its own.
 */
import { Agent, request } from 'undici';
import { employeeOf, type LoginWrapper, type SandboxTarget, sessionUserId } from './login-wrapper.js';

export function createBareChain(target: SandboxTarget): LoginWrapper {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 128 });
  const getJson = async (url: string): Promise<unknown> => {
    const answer = await request(url, { dispatcher: agent, headersTimeout: target.timeoutMs });
    return answer.body.json();
  };
  let token: Promise<string> | undefined;
  const accessToken = (): Promise<string> => {
    token ??= getJson(
      `${target.baseUrl}/cgi-bin/gettoken?corpid=${target.corpId}&corpsecret=${encodeURIComponent(target.secret)}`,
    ).then((answer) => String((answer as { access_token?: unknown }).access_token));
    return token;
  };
  return {
    async login(code) {
      const query = `access_token=${await accessToken()}`;
      const session = await getJson(
        `${target.baseUrl}/cgi-bin/miniprogram/jscode2session?${query}&js_code=${encodeURIComponent(code)}&grant_type=authorization_code`,
      );
      const user = await getJson(
        `${target.baseUrl}/cgi-bin/user/get?${query}&userid=${encodeURIComponent(sessionUserId(session))}`,
      );
      return employeeOf(user);
    },
    close() {
      void agent.close();
    },
  };
}
