import { createCipheriv } from 'node:crypto';
import {
  DEFAULT_DISCLOSURE_MAX_AGE_SECONDS,
  DEFAULT_DISCLOSURE_MAX_FUTURE_SKEW_SECONDS,
  encryptMiniProgramData,
  MINIPROGRAM_DISCLOSURE_TYPE_ERRORS,
  type OpenMiniProgramDisclosureInput,
  openMiniProgramDisclosure,
  UnreadableDisclosureError,
  WatermarkError,
  WecomCryptoError,
} from '@wecom-auth/crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { captureError } from './capture-error.js';

const SESSION_KEY = 'HyVFkGl5F5OQWJZZaNzBBg==';
const APP_ID = 'wx4f4bc4dec97d474b';
const NOW = 1_700_000_000;
const WATERMARK = { appid: APP_ID, timestamp: NOW - 10 };

function seal(data: unknown, iv?: Uint8Array): { encryptedData: string; iv: string } {
  return encryptMiniProgramData({ sessionKey: SESSION_KEY, data, ...(iv ? { iv } : {}) });
}

/** AES-128-CBC over arbitrary bytes, PKCS#7 padded unless `padded` is false (then the length must be aligned). */
function sealBytes(plaintext: Uint8Array, iv: Uint8Array): string {
  const cipher = createCipheriv('aes-128-cbc', Buffer.from(SESSION_KEY, 'base64'), iv);
  return Buffer.concat([cipher.update(plaintext), cipher.final()]).toString('base64');
}

function open(
  sealed: { encryptedData: string; iv: string },
  options: Partial<OpenMiniProgramDisclosureInput> = {},
) {
  return openMiniProgramDisclosure({
    sessionKey: SESSION_KEY,
    appId: APP_ID,
    now: NOW,
    ...sealed,
    ...options,
  });
}

/** The one error every unreadable input must produce, down to its enumerable fields. */
function expectUnreadable(error: unknown): void {
  expect(error).toBeInstanceOf(UnreadableDisclosureError);
  const reference = new UnreadableDisclosureError();
  const actual = error as UnreadableDisclosureError;
  expect(Object.getPrototypeOf(actual)).toBe(UnreadableDisclosureError.prototype);
  expect(actual.code).toBe('disclosure_unreadable');
  expect(actual.message).toBe(reference.message);
  expect(actual.name).toBe(reference.name);
  expect(actual.cause).toBeUndefined();
  expect(Object.keys(actual)).toEqual(Object.keys(reference));
}

describe('openMiniProgramDisclosure: the documented shapes', () => {
  it('reads getMobile, getEmail and getEnterpriseUserInfo data', () => {
    expect(open(seal({ mobile: '13800000000', watermark: WATERMARK }))).toEqual({
      kind: 'mobile',
      mobile: '13800000000',
      watermark: { appId: APP_ID, timestamp: NOW - 10 },
    });
    expect(open(seal({ email: 'zhangsan@gzdev.com', watermark: WATERMARK }))).toEqual({
      kind: 'email',
      email: 'zhangsan@gzdev.com',
      watermark: { appId: APP_ID, timestamp: NOW - 10 },
    });
    const info = {
      corpid: 'wwdemo0000000001',
      userid: 'zhangsan',
      name: '张三',
      gender: 1,
      watermark: WATERMARK,
    };
    expect(open(seal(info))).toEqual({
      kind: 'enterprise_user_info',
      corpId: 'wwdemo0000000001',
      userId: 'zhangsan',
      name: '张三',
      gender: 1,
      watermark: { appId: APP_ID, timestamp: NOW - 10 },
    });
  });

  it('accepts getEnterpriseUserInfo without a name (third-party apps) and with an encrypted userid', () => {
    const info = {
      corpid: 'wwother000000002',
      userid: 'woAbC-d_Ef0123456789',
      gender: 0,
      watermark: WATERMARK,
    };
    const disclosure = open(seal(info));
    expect(disclosure).toMatchObject({
      kind: 'enterprise_user_info',
      userId: 'woAbC-d_Ef0123456789',
      gender: 0,
    });
    expect(disclosure).not.toHaveProperty('name');
  });

  it('accepts international mobiles and refuses what is not a mobile', () => {
    for (const mobile of ['+86 13800000000', '+85251234567', '+852-51234567', '0205551234']) {
      expect(open(seal({ mobile, watermark: WATERMARK }))).toMatchObject({ kind: 'mobile', mobile });
    }
    for (const mobile of [
      '',
      '1380',
      '138 0000 0000',
      '+',
      '+86  13800000000',
      '1'.repeat(16),
      '１３８00000000',
      13800000000,
      '13800000000\n',
      'zhangsan@gzdev.com',
    ]) {
      expectUnreadable(captureError(() => open(seal({ mobile, watermark: WATERMARK }))));
    }
  });

  it('refuses what is not one email address', () => {
    for (const email of ['a@b.cn', 'zhang.san+x@mail.gzdev.com', '张三@例子.中国']) {
      expect(open(seal({ email, watermark: WATERMARK }))).toMatchObject({ kind: 'email', email });
    }
    const bad = [
      '',
      'zhangsan',
      'a@@b.cn',
      'a@b@c.cn',
      'a b@c.cn',
      'a@b',
      'a@.cn',
      'a@b.',
      'a@b..cn',
      'a\u0000@b.cn',
      'a\u202e@b.cn',
      `${'a'.repeat(65)}@b.cn`,
      `a@${'b'.repeat(252)}.cn`,
      ['a@b.cn'],
    ];
    for (const email of bad) {
      expectUnreadable(captureError(() => open(seal({ email, watermark: WATERMARK }))));
    }
  });

  it('refuses a key too many or too few, in the disclosure and in its watermark', () => {
    const cases: unknown[] = [
      { mobile: '13800000000', email: 'a@b.cn', watermark: WATERMARK },
      { mobile: '13800000000', userid: 'lisi', watermark: WATERMARK },
      { mobile: '13800000000' },
      { watermark: WATERMARK },
      { corpid: 'wwdemo0000000001', userid: 'zhangsan', watermark: WATERMARK },
      {
        corpid: 'wwdemo0000000001',
        userid: 'zhangsan',
        gender: 1,
        mobile: '13800000000',
        watermark: WATERMARK,
      },
      { corpid: 'wwdemo0000000001', userid: 'zhangsan', gender: 3, watermark: WATERMARK },
      { corpid: 'wwdemo0000000001', userid: 'zhangsan', gender: '1', watermark: WATERMARK },
      { corpid: 'wwdemo0000000001', userid: '', gender: 1, watermark: WATERMARK },
      { corpid: 'wwdemo0000000001', userid: 'zhang san', gender: 1, watermark: WATERMARK },
      { mobile: '13800000000', watermark: { appid: APP_ID } },
      { mobile: '13800000000', watermark: { timestamp: NOW } },
      { mobile: '13800000000', watermark: { ...WATERMARK, openid: 'x' } },
      { mobile: '13800000000', watermark: { appid: APP_ID, timestamp: String(NOW) } },
      { mobile: '13800000000', watermark: { appid: APP_ID, timestamp: NOW + 0.5 } },
      { mobile: '13800000000', watermark: { appid: 42, timestamp: NOW } },
      { mobile: '13800000000', watermark: null },
      { mobile: '13800000000', watermark: [APP_ID, NOW] },
      JSON.parse(
        '{"mobile":"13800000000","watermark":{"appid":"wx4f4bc4dec97d474b","timestamp":1},"__proto__":{}}',
      ),
      [{ mobile: '13800000000', watermark: WATERMARK }],
      '13800000000',
      null,
    ];
    for (const data of cases) expectUnreadable(captureError(() => open(seal(data))));
  });

  it('refuses any extra key, whatever its name', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 12 }).filter((key) => !['mobile', 'watermark'].includes(key)),
        fc.jsonValue(),
        (key, value) => {
          const data = { mobile: '13800000000', watermark: WATERMARK, [key]: value };
          expectUnreadable(captureError(() => open(seal(data))));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('only accepts the kind asked for', () => {
    const sealed = seal({ email: 'a@b.cn', watermark: WATERMARK });
    expect(open(sealed, { kind: 'email' }).kind).toBe('email');
    expectUnreadable(captureError(() => open(sealed, { kind: 'mobile' })));
  });
});

describe('openMiniProgramDisclosure: the watermark', () => {
  const mobile = (timestamp: number, appid = APP_ID) =>
    seal({ mobile: '13800000000', watermark: { appid, timestamp } });

  it('refuses data issued to another mini program with the distinct watermark_mismatch', () => {
    const error = captureError(() => open(mobile(NOW, 'wx0000000000000000')));
    expect(error).toBeInstanceOf(WatermarkError);
    expect(error).toMatchObject({ code: 'watermark_mismatch' });
  });

  it('bounds the age on both sides, inclusive, with the documented defaults', () => {
    expect(DEFAULT_DISCLOSURE_MAX_AGE_SECONDS).toBe(300);
    expect(DEFAULT_DISCLOSURE_MAX_FUTURE_SKEW_SECONDS).toBe(60);
    expect(open(mobile(NOW - 300)).kind).toBe('mobile');
    expect(open(mobile(NOW + 60)).kind).toBe('mobile');
    expect(captureError(() => open(mobile(NOW - 301)))).toMatchObject({
      name: 'WatermarkError',
      code: 'watermark_expired',
    });
    expect(captureError(() => open(mobile(NOW + 61)))).toMatchObject({
      name: 'WatermarkError',
      code: 'watermark_in_future',
    });
    // A far-future timestamp must not stretch the window.
    expect(captureError(() => open(mobile(NOW * 10)))).toMatchObject({ code: 'watermark_in_future' });
  });

  it('takes its window from the options', () => {
    expect(open(mobile(NOW - 3600), { maxAgeSeconds: 3600 }).kind).toBe('mobile');
    expect(captureError(() => open(mobile(NOW + 1), { maxFutureSkewSeconds: 0 }))).toMatchObject({
      code: 'watermark_in_future',
    });
    fc.assert(
      fc.property(
        fc.integer({ min: -1000, max: 1000 }),
        fc.nat(500),
        fc.nat(500),
        (offset, maxAge, maxSkew) => {
          const opened = captureError(() =>
            open(mobile(NOW + offset), { maxAgeSeconds: maxAge, maxFutureSkewSeconds: maxSkew }),
          );
          const fresh = -maxAge <= offset && offset <= maxSkew;
          expect(opened === undefined).toBe(fresh);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('checks the appid and age only after a well-formed parse', () => {
    // A foreign, ancient watermark on a malformed body is still just unreadable.
    expectUnreadable(
      captureError(() => open(seal({ mobile: 'x', watermark: { appid: 'wxother', timestamp: 1 } }))),
    );
  });
});

describe('openMiniProgramDisclosure: one indistinguishable error (no padding oracle)', () => {
  const valid = seal({ mobile: '13800000000', watermark: WATERMARK }, Buffer.alloc(16, 7));
  const ivBytes = Buffer.from(valid.iv, 'base64');
  const cipherBytes = Buffer.from(valid.encryptedData, 'base64');

  function outcome(sealed: { encryptedData: string; iv: string }): void {
    let result: unknown;
    try {
      result = open(sealed);
    } catch (error) {
      expectUnreadable(error);
      return;
    }
    expect(result).toMatchObject({ kind: expect.stringMatching(/^(mobile|email|enterprise_user_info)$/) });
  }

  it('random IV and ciphertext mutations yield a valid disclosure or the one error', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(15), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(fc.nat(cipherBytes.length - 1), fc.integer({ min: 1, max: 255 })), {
          maxLength: 4,
        }),
        (ivFlips, cipherFlips) => {
          const iv = Buffer.from(ivBytes);
          for (const [index, mask] of ivFlips) iv[index] = (iv[index] ?? 0) ^ mask;
          const ciphertext = Buffer.from(cipherBytes);
          for (const [index, mask] of cipherFlips) ciphertext[index] = (ciphertext[index] ?? 0) ^ mask;
          outcome({ encryptedData: ciphertext.toString('base64'), iv: iv.toString('base64') });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('the last byte of the IV before the last block walks every padding value without telling them apart', () => {
    // The classic oracle probe: vary the byte that decides the final pad and watch the answers.
    const lastBlockAt = cipherBytes.length - 32;
    for (let guess = 0; guess < 256; guess += 1) {
      const ciphertext = Buffer.from(cipherBytes);
      ciphertext[lastBlockAt + 15] = guess;
      outcome({ encryptedData: ciphertext.toString('base64'), iv: valid.iv });
    }
  });

  it('arbitrary plaintext bytes, properly encrypted, yield a valid disclosure or the one error', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 96 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        (plaintext, iv) => {
          outcome({ encryptedData: sealBytes(plaintext, iv), iv: Buffer.from(iv).toString('base64') });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('arbitrary JSON, properly encrypted, yields a valid disclosure or the one error', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (data) => outcome(seal(data))),
      { numRuns: 300 },
    );
  });

  it('garbled transport (base64, IV length, block alignment, size) is the same error', () => {
    const cases = [
      { encryptedData: 'not base64!', iv: valid.iv },
      { encryptedData: valid.encryptedData, iv: 'AAAA' },
      { encryptedData: valid.encryptedData, iv: Buffer.alloc(17).toString('base64') },
      { encryptedData: '', iv: valid.iv },
      { encryptedData: cipherBytes.subarray(0, 20).toString('base64'), iv: valid.iv },
      { encryptedData: Buffer.alloc(8192).toString('base64'), iv: valid.iv },
      { encryptedData: sealBytes(Buffer.from([0xff, 0xfe, 0x7b, 0x7d]), ivBytes), iv: valid.iv },
    ];
    for (const sealed of cases) expectUnreadable(captureError(() => open(sealed)));
    fc.assert(
      fc.property(fc.string({ maxLength: 64 }), fc.string({ maxLength: 32 }), (encryptedData, iv) => {
        outcome({ encryptedData, iv });
      }),
      { numRuns: 300 },
    );
  });
});

describe('openMiniProgramDisclosure: the result is the client word', () => {
  it('a client that knows its plaintext rewrites the first block through the IV, undetectably', () => {
    const iv = Buffer.alloc(16, 9);
    const sealed = seal({ mobile: '13800000000', watermark: WATERMARK }, iv);
    // The first block is `{"mobile":"13800`; XOR the IV with (old ^ new) to turn "13800" into "13999".
    const forged = Buffer.from(iv);
    const original = Buffer.from('{"mobile":"13800', 'utf8');
    const wanted = Buffer.from('{"mobile":"13999', 'utf8');
    for (let index = 0; index < 16; index += 1) {
      forged[index] = (forged[index] ?? 0) ^ (original[index] ?? 0) ^ (wanted[index] ?? 0);
    }
    const disclosure = open({ encryptedData: sealed.encryptedData, iv: forged.toString('base64') });
    expect(disclosure).toMatchObject({ kind: 'mobile', mobile: '13999000000' });
  });
});

describe('openMiniProgramDisclosure: misuse and server-side faults', () => {
  const sealed = seal({ mobile: '13800000000', watermark: WATERMARK });

  it('throws TypeError with exact messages for bad options', () => {
    expect(() => open(sealed, { appId: 1 as unknown as string })).toThrow(
      new TypeError(MINIPROGRAM_DISCLOSURE_TYPE_ERRORS.strings),
    );
    expect(() => open(sealed, { kind: 'phone' as 'mobile' })).toThrow(
      new TypeError(MINIPROGRAM_DISCLOSURE_TYPE_ERRORS.kind),
    );
    expect(() => open(sealed, { maxAgeSeconds: -1 })).toThrow(
      new TypeError(MINIPROGRAM_DISCLOSURE_TYPE_ERRORS.window),
    );
    expect(() => open(sealed, { maxFutureSkewSeconds: Number.NaN })).toThrow(
      new TypeError(MINIPROGRAM_DISCLOSURE_TYPE_ERRORS.window),
    );
    expect(() => open(sealed, { now: Number.POSITIVE_INFINITY })).toThrow(
      new TypeError(MINIPROGRAM_DISCLOSURE_TYPE_ERRORS.now),
    );
  });

  it('a malformed server session key is a distinct error, raised before the client data is touched', () => {
    const error = captureError(() => open(sealed, { sessionKey: 'AAAA' }));
    expect(error).toBeInstanceOf(WecomCryptoError);
    expect(error).not.toBeInstanceOf(UnreadableDisclosureError);
    expect(error).toMatchObject({ code: 'invalid_key' });
  });

  it('a wrong session key is unreadable, and no error carries the key or the plaintext', () => {
    const error = captureError(() => open(sealed, { sessionKey: 'tiihtNczf5v6AKRyjwEUhQ==' })) as Error;
    expectUnreadable(error);
    expect(`${error.message} ${JSON.stringify(error)} ${String(error.stack)}`).not.toMatch(
      /tiihtN|HyVFkG|13800000000/,
    );
  });
});
