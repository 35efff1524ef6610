/**
 * The login step against a sandbox: the doctor finds out whether the WeCom API base is a sandbox (its control API
 * answers), points at the phone simulator, and mints a `wx.qy.login` code for a demo employee itself, as the simulator
 * would, of the self-built apps' mini program or of a third-party app's.
 */
import type { DoctorContext } from './doctor-context.js';

interface SandboxDirectory {
  readonly corps?: readonly {
    readonly corpId?: string;
    readonly users?: readonly { readonly userid?: string; readonly status?: number }[];
  }[];
}

/** The sandbox behind the WeCom API base, when it is one (its control API answers), else undefined. */
export async function sandboxBehind(context: DoctorContext): Promise<string | undefined> {
  const { apiBase, mode } = context.upstream;
  if (mode === 'sandbox') return apiBase;
  if (new URL(apiBase).hostname === 'qyapi.weixin.qq.com') return undefined;
  try {
    const response = await fetch(`${apiBase.replace(/\/+$/, '')}/__sandbox/clock`, {
      signal: AbortSignal.timeout(context.config.wecomTimeoutMs),
    });
    const body = (await response.json()) as { unixSeconds?: unknown };
    return response.status === 200 && typeof body.unixSeconds === 'number' ? apiBase : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A code the sandbox mints for the first active member of `corpId`: of the configured mini program, or with `suiteId`
 * of that third-party app's (as `wx.qy.login({ suiteId })` gives it). Says where the phone simulator is first.
 */
export async function sandboxLoginCode(
  context: DoctorContext,
  sandboxUrl: string,
  corpId: string,
  suiteId?: string,
): Promise<string> {
  const base = sandboxUrl.replace(/\/+$/, '');
  const directory = (await (await fetch(`${base}/__sandbox/directory`)).json()) as SandboxDirectory;
  const member = directory.corps
    ?.find((candidate) => candidate.corpId === corpId)
    ?.users?.find((user) => user.status === 1)?.userid;
  if (member === undefined) throw new Error(`the sandbox has no active member in ${corpId}`);
  const simulator = context.upstream.servedSandboxUrl ?? base;
  context.input.say?.(
    `Phone simulator: ${simulator}/ (with wecom-auth serve running: pick an employee, open the mini program). ` +
      `Now logging in as ${member} with a code the sandbox mints.`,
  );
  const response = await fetch(`${base}/__sandbox/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      userid: member,
      corpid: corpId,
      appid: context.upstream.miniProgramAppId,
      ...(suiteId === undefined ? {} : { suiteId }),
    }),
  });
  const body = (await response.json()) as { code?: unknown; message?: unknown };
  if (typeof body.code !== 'string') {
    throw new Error(
      `the sandbox minted no code: ${typeof body.message === 'string' ? body.message : response.status}`,
    );
  }
  return body.code;
}
