/**
 * The sandbox's demo company as a gateway sees it: the environment that points a gateway at a sandbox's demo app,
 * and the demo employees who can log in.
 */
import {
  DEMO_APP,
  DEMO_CORP_ID,
  DEMO_MINI_PROGRAM_APP_ID,
  demoDirectory,
  SUBSIDIARY_APP,
  SUBSIDIARY_CORP_ID,
} from '@wecom-auth/sandbox';

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
 * Gives the demo app a new secret in the sandbox at `sandboxUrl`, as an administrator resetting it in WeCom would
 * (through the sandbox's control API): the old secret no longer gets a token. Throws when the sandbox refuses.
 *
 * @example
 * await setDemoAppSecret(sandbox.url, 'the-secret-after-the-change');
 */
export async function setDemoAppSecret(sandboxUrl: string, secret: string): Promise<void> {
  const answer = await fetch(`${sandboxUrl}/__sandbox/apps/${DEMO_APP.agentId}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ secret }),
  });
  if (answer.status !== 200) {
    // The status alone: the sandbox's answer may quote the secret it refused.
    throw new Error(`the sandbox did not change the demo app's secret (HTTP ${answer.status})`);
  }
}

/**
 * The user ids of the demo company's active employees (status 1), the ones a login succeeds for: to spread logins
 * over several profiles.
 */
export function activeDemoUserIds(): string[] {
  const corp = demoDirectory.corps.find((candidate) => candidate.corpId === DEMO_CORP_ID);
  return (corp?.users ?? []).filter((user) => user.status === 1).map((user) => user.userid);
}

/** A corp's callback settings in `WECOM_CORPS`. */
export interface CorpCallbackSecrets {
  readonly callbackToken: string;
  readonly callbackAesKey: string;
}

/**
 * The settings of a gateway serving the sandbox's group: the demo company (the default corp) and its subsidiary,
 * both associated with the demo mini program, as `WECOM_CORPS`; with `callbacks`, each corp's callback is on.
 * The single-corp variables are blanked, so this works over {@link demoGatewayEnv} too.
 *
 * @example
 * const t = await startGatewayUnderTest({ env: groupGatewayEnv() });
 */
export function groupGatewayEnv(
  sandboxUrl?: string,
  callbacks?: Readonly<Record<string, CorpCallbackSecrets>>,
): Record<string, string> {
  const corps = [
    { corpId: DEMO_CORP_ID, secret: DEMO_APP.secret },
    { corpId: SUBSIDIARY_CORP_ID, secret: SUBSIDIARY_APP.secret },
  ].map((corp) => ({ ...corp, ...callbacks?.[corp.corpId] }));
  return {
    WECOM_CORP_ID: '',
    WECOM_SECRET: '',
    WECOM_CORPS: JSON.stringify(corps),
    WECOM_MINIPROGRAM_APPID: DEMO_MINI_PROGRAM_APP_ID,
    ...(sandboxUrl === undefined ? {} : { WECOM_API_BASE: sandboxUrl }),
  };
}
