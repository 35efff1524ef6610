/** The environment that points a gateway at a sandbox's demo app, shared by every test that starts one. */
import { DEMO_APP, DEMO_CORP_ID, DEMO_MINI_PROGRAM_APP_ID } from '@wecom-auth/sandbox';

export function demoGatewayEnv(sandboxUrl?: string): Record<string, string> {
  return {
    WECOM_CORP_ID: DEMO_CORP_ID,
    WECOM_SECRET: DEMO_APP.secret,
    WECOM_MINIPROGRAM_APPID: DEMO_MINI_PROGRAM_APP_ID,
    ...(sandboxUrl === undefined ? {} : { WECOM_API_BASE: sandboxUrl }),
  };
}
