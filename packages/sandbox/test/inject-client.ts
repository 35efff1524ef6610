import type { SandboxFastifyInstance } from '../src/index.js';

export const DEMO_CORP = 'wwdemo0000000001';
export const DEMO_MP = 'wxdemo0000000001';
export const DEMO_SECRET = 'demo-secret-change-me';

export interface WecomBody {
  errcode: number;
  errmsg: string;
  [key: string]: unknown;
}

/** GET through inject(); asserts nothing, returns status, headers and parsed JSON. */
export async function get(
  app: SandboxFastifyInstance,
  url: string,
  remoteAddress = '127.0.0.1',
): Promise<{ status: number; body: WecomBody; contentType: string | undefined }> {
  const res = await app.inject({ method: 'GET', url, remoteAddress });
  const contentType = res.headers['content-type'];
  return {
    status: res.statusCode,
    body: res.json<WecomBody>(),
    contentType: typeof contentType === 'string' ? contentType : undefined,
  };
}

export async function post(
  app: SandboxFastifyInstance,
  url: string,
  payload: unknown,
  remoteAddress = '127.0.0.1',
): Promise<{ status: number; body: WecomBody }> {
  const res = await app.inject({
    method: 'POST',
    url,
    remoteAddress,
    headers: { 'content-type': 'application/json' },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
  return { status: res.statusCode, body: res.json<WecomBody>() };
}

export async function tokenOf(
  app: SandboxFastifyInstance,
  secret = DEMO_SECRET,
  corpid = DEMO_CORP,
  remoteAddress = '127.0.0.1',
): Promise<string> {
  const { body } = await get(
    app,
    `/cgi-bin/gettoken?corpid=${corpid}&corpsecret=${encodeURIComponent(secret)}`,
    remoteAddress,
  );
  if (typeof body.access_token !== 'string') throw new Error(`gettoken failed: ${JSON.stringify(body)}`);
  return body.access_token;
}
