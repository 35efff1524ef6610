import {
  openMiniProgramDisclosure,
  rawDataMatchesUserInfo,
  UnreadableDisclosureError,
  verifyRawDataSignature,
  WatermarkError,
} from '@wecom-auth/crypto';
import { describe, expect, it } from 'vitest';
import { buildSandboxApp, DEMO_APP, DEMO_CORP_ID, DEMO_MINI_PROGRAM_APP_ID } from '../src/index.js';

/** A member with a session: returns the app, the session_key and the sandbox clock's now. */
async function loggedIn(userid: string) {
  const app = buildSandboxApp();
  const token = JSON.parse(
    (await app.inject({ url: `/cgi-bin/gettoken?corpid=${DEMO_CORP_ID}&corpsecret=${DEMO_APP.secret}` }))
      .body,
  ) as { access_token: string };
  const { code } = app.sandboxControl.login({ userid });
  const session = JSON.parse(
    (
      await app.inject({
        url: `/cgi-bin/miniprogram/jscode2session?access_token=${token.access_token}&js_code=${code}&grant_type=authorization_code`,
      })
    ).body,
  ) as { session_key: string };
  return { app, sessionKey: session.session_key, now: app.sandboxControl.clock().unixSeconds };
}

describe('encrypt: what wx.qy.* hands the mini program', () => {
  it('seals exactly the documented keys, which openMiniProgramDisclosure reads', async () => {
    const { app, sessionKey, now } = await loggedIn('zhangsan');
    const open = (sealed: { encryptedData: string; iv: string }) =>
      openMiniProgramDisclosure({ sessionKey, ...sealed, appId: DEMO_MINI_PROGRAM_APP_ID, now });

    const mobile = app.sandboxControl.encrypt({ userid: 'zhangsan', kind: 'mobile' });
    expect(Object.keys(JSON.parse(mobile.plaintext) as object)).toEqual(['mobile', 'watermark']);
    expect(open(mobile)).toMatchObject({
      kind: 'mobile',
      watermark: { appId: DEMO_MINI_PROGRAM_APP_ID, timestamp: now },
    });

    const email = app.sandboxControl.encrypt({ userid: 'zhangsan', kind: 'email' });
    expect(open(email)).toMatchObject({ kind: 'email', email: 'zhangsan@demo.example' });

    const info = app.sandboxControl.encrypt({ userid: 'zhangsan', kind: 'enterprise_user_info' });
    expect(JSON.parse(info.plaintext)).toEqual({
      corpid: DEMO_CORP_ID,
      userid: 'zhangsan',
      name: '张三',
      gender: 1,
      watermark: { appid: DEMO_MINI_PROGRAM_APP_ID, timestamp: now },
    });
    const disclosure = open(info);
    expect(disclosure.kind).toBe('enterprise_user_info');
    if (disclosure.kind !== 'enterprise_user_info') return;
    expect(
      verifyRawDataSignature({ rawData: info.rawData ?? '', signature: info.signature ?? '', sessionKey }),
    ).toBe(true);
    expect(rawDataMatchesUserInfo(info.rawData ?? '', disclosure)).toBe(true);
  });

  it('seals a chosen watermark timestamp for stale or future data', async () => {
    const { app, sessionKey, now } = await loggedIn('zhangsan');
    const open = (watermarkTimestamp: number) =>
      openMiniProgramDisclosure({
        sessionKey,
        ...app.sandboxControl.encrypt({ userid: 'zhangsan', kind: 'mobile', watermarkTimestamp }),
        appId: DEMO_MINI_PROGRAM_APP_ID,
        now,
      });
    expect(() => open(now - 3600)).toThrow(expect.objectContaining({ code: 'watermark_expired' }));
    expect(() => open(now + 3600)).toThrow(WatermarkError);
    const response = await app.inject({
      method: 'POST',
      url: '/__sandbox/encrypt',
      payload: { userid: 'zhangsan', kind: 'mobile', watermarkTimestamp: 1_600_000_000 },
    });
    expect(JSON.parse(JSON.parse(response.body).plaintext as string)).toMatchObject({
      watermark: { timestamp: 1_600_000_000 },
    });
  });

  it('encrypts with a chosen IV, so a test can flip its bits', async () => {
    const { app, sessionKey, now } = await loggedIn('zhangsan');
    const iv = Buffer.alloc(16, 3).toString('base64');
    const sealed = app.sandboxControl.encrypt({ userid: 'zhangsan', kind: 'mobile', iv });
    expect(sealed.iv).toBe(iv);
    const mobile = JSON.parse(sealed.plaintext).mobile as string;
    // Rewrite the first block through the IV: the mobile's first digits change, the data still opens.
    const forgedIv = Buffer.from(iv, 'base64');
    const wanted = Buffer.from(sealed.plaintext.slice(0, 16).replace(mobile.slice(0, 5), '19999'), 'utf8');
    const known = Buffer.from(sealed.plaintext.slice(0, 16), 'utf8');
    for (let index = 0; index < 16; index += 1) {
      forgedIv[index] = (forgedIv[index] ?? 0) ^ (known[index] ?? 0) ^ (wanted[index] ?? 0);
    }
    const forged = openMiniProgramDisclosure({
      sessionKey,
      encryptedData: sealed.encryptedData,
      iv: forgedIv.toString('base64'),
      appId: DEMO_MINI_PROGRAM_APP_ID,
      now,
    });
    expect(forged).toMatchObject({ kind: 'mobile', mobile: `19999${mobile.slice(5)}` });
    // A random flip is, at worst, unreadable.
    forgedIv[15] = (forgedIv[15] ?? 0) ^ 0x80;
    expect(() =>
      openMiniProgramDisclosure({
        sessionKey,
        encryptedData: sealed.encryptedData,
        iv: forgedIv.toString('base64'),
        appId: DEMO_MINI_PROGRAM_APP_ID,
        now,
      }),
    ).toThrow(UnreadableDisclosureError);
  });

  it('refuses a bad IV, and a member without the field', async () => {
    const { app } = await loggedIn('zhangsan');
    const bad = await app.inject({
      method: 'POST',
      url: '/__sandbox/encrypt',
      payload: { userid: 'zhangsan', kind: 'mobile', iv: 'AAAA' },
    });
    expect(bad.statusCode).toBe(400);
    await app.sandboxControl.updateUser('zhangsan', { email: '' });
    const missing = await app.inject({
      method: 'POST',
      url: '/__sandbox/encrypt',
      payload: { userid: 'zhangsan', kind: 'email' },
    });
    expect(missing.statusCode).toBe(409);
    expect(JSON.parse(missing.body)).toMatchObject({ error: 'field_not_set' });
  });
});
