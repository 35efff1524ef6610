/**
 * The sandbox's demo company as a gateway sees it: the environment that points a gateway at a sandbox's demo app,
 * and the demo employees who can log in.
 */
import { DEMO_APP, DEMO_CORP_ID, DEMO_MINI_PROGRAM_APP_ID, demoDirectory } from '@wecom-auth/sandbox';

/**
 * The settings of a gateway on the sandbox's demo app; with `sandboxUrl`, the WeCom API base points at that sandbox.
 *
 * @example
 * const config = loadConfig({ env: { ...demoGatewayEnv(sandbox.url), PORT: '0' } });
 */
export function demoGatewayEnv(sandboxUrl?: string): Record<string, string> {
  return {
    WECOM_CORP_ID: DEMO_CORP_ID,
    WECOM_SECRET: DEMO_APP.secret,
    WECOM_MINIPROGRAM_APPID: DEMO_MINI_PROGRAM_APP_ID,
    ...(sandboxUrl === undefined ? {} : { WECOM_API_BASE: sandboxUrl }),
  };
}

/**
 * The user ids of the demo company's active employees (status 1), the ones a login succeeds for: to spread logins
 * over several profiles.
 */
export function activeDemoUserIds(): string[] {
  const corp = demoDirectory.corps.find((candidate) => candidate.corpId === DEMO_CORP_ID);
  return (corp?.users ?? []).filter((user) => user.status === 1).map((user) => user.userid);
}
