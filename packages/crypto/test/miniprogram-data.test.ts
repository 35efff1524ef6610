import { createCipheriv } from 'node:crypto';
import {
  decryptMiniProgramData,
  encryptMiniProgramData,
  MINIPROGRAM_DATA_TYPE_ERRORS,
  WatermarkError,
  WecomCryptoError,
  type WecomCryptoErrorCode,
} from '@wecom-auth/crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { captureError } from './capture-error.js';

// The official WeChat "开放数据校验与解密" sample (developers.weixin.qq.com, open-ability/signature.html demo).
const OFFICIAL = {
  appId: 'wx4f4bc4dec97d474b',
  sessionKey: 'tiihtNczf5v6AKRyjwEUhQ==',
  iv: 'r7BXXKkLb8qrSNn05n0qiA==',
  encryptedData:
    'CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4lGOETKUQz6OYStslQ142dNCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHInNlxuacJXwu0fjpXfz/YqYzBIBzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4PC7E/r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYVoKlaRv85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew==',
};

const SESSION_KEY = 'kJtdi6RF+Dv67QkbLlPGjw==';
const APP_ID = 'wx0123456789abcdef';
const IV = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');

function expectCode(action: () => unknown, code: WecomCryptoErrorCode): WecomCryptoError {
  const error = captureError(action);
  expect(error).toBeInstanceOf(WecomCryptoError);
  expect((error as WecomCryptoError).code).toBe(code);
  return error as WecomCryptoError;
}

/** Encrypts raw bytes (not necessarily JSON) to exercise the checks after decryption. */
function encryptBytes(plaintext: Buffer, key = SESSION_KEY, autoPadding = true): string {
  const cipher = createCipheriv('aes-128-cbc', Buffer.from(key, 'base64'), IV);
  cipher.setAutoPadding(autoPadding);
  return Buffer.concat([cipher.update(plaintext), cipher.final()]).toString('base64');
}

const sample = { mobile: '13800000000', watermark: { appid: APP_ID, timestamp: 1_700_000_000 } };

describe('decryptMiniProgramData', () => {
  it('decrypts the official WeChat sample', () => {
    const data = decryptMiniProgramData<{ openId: string; nickName: string; watermark: unknown }>(OFFICIAL);
    expect(data.openId).toBe('oGZUI0egBJY1zhBYw2KhdUfwVJJE');
    expect(data.nickName).toBe('Band');
    expect(data).toMatchObject({
      gender: 1,
      city: 'Guangzhou',
      unionId: 'ocMvos6NjeKLIBqg5Mr9QjxrP1FA',
      watermark: { timestamp: 1477314187, appid: 'wx4f4bc4dec97d474b' },
    });
  });

  it('types the result with a caller-supplied interface', () => {
    interface OfficialUser {
      openId: string;
      watermark: { appid: string };
    }
    const user: OfficialUser = decryptMiniProgramData<OfficialUser>(OFFICIAL);
    expect(user.watermark.appid).toBe(OFFICIAL.appId);
  });

  it('rejects the official sample for another appId without leaking the session key', () => {
    const error = expectCode(
      () => decryptMiniProgramData({ ...OFFICIAL, appId: 'wx0000000000000000' }),
      'watermark_mismatch',
    );
    expect(error).toBeInstanceOf(WatermarkError);
    expect(error.message).not.toContain(OFFICIAL.sessionKey);
    expect(JSON.stringify(error)).not.toContain(OFFICIAL.sessionKey);
  });

  it('round-trips data produced by encryptMiniProgramData with a fixed iv', () => {
    const sealed = encryptMiniProgramData({ sessionKey: SESSION_KEY, data: sample, iv: IV });
    expect(sealed.iv).toBe(IV.toString('base64'));
    expect(decryptMiniProgramData({ sessionKey: SESSION_KEY, ...sealed, appId: APP_ID })).toEqual(sample);
  });

  it('uses a fresh random iv when none is given', () => {
    const first = encryptMiniProgramData({ sessionKey: SESSION_KEY, data: sample });
    const second = encryptMiniProgramData({ sessionKey: SESSION_KEY, data: sample });
    expect(Buffer.from(first.iv, 'base64')).toHaveLength(16);
    expect(first.iv).not.toBe(second.iv);
    expect(first.encryptedData).not.toBe(second.encryptedData);
  });

  it('round-trips any JSON object carrying the right watermark', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue()),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        (fields, keyBytes, iv) => {
          const sessionKey = Buffer.from(keyBytes).toString('base64');
          const data = { ...fields, watermark: { appid: APP_ID, timestamp: 1 } };
          const sealed = encryptMiniProgramData({ sessionKey, data, iv });
          const opened = decryptMiniProgramData({ sessionKey, ...sealed, appId: APP_ID });
          expect(opened).toEqual(JSON.parse(JSON.stringify(data)));
        },
      ),
    );
  });

  it('reports each kind of bad input with its own code', () => {
    const sealed = encryptMiniProgramData({ sessionKey: SESSION_KEY, data: sample, iv: IV });
    const base = { sessionKey: SESSION_KEY, ...sealed, appId: APP_ID };
    expectCode(() => decryptMiniProgramData({ ...base, sessionKey: 'not base64!' }), 'invalid_base64');
    expectCode(() => decryptMiniProgramData({ ...base, sessionKey: 'AAAA' }), 'invalid_key');
    expectCode(
      () => decryptMiniProgramData({ ...base, sessionKey: Buffer.alloc(32).toString('base64') }),
      'invalid_key',
    );
    expectCode(() => decryptMiniProgramData({ ...base, iv: 'r7BX XKkLb8qrSNn05n0qiA=' }), 'invalid_base64');
    expectCode(() => decryptMiniProgramData({ ...base, iv: 'AAAAAAAA' }), 'invalid_iv');
    expectCode(
      () => decryptMiniProgramData({ ...base, encryptedData: `${base.encryptedData}%` }),
      'invalid_base64',
    );
    expectCode(() => decryptMiniProgramData({ ...base, encryptedData: '' }), 'decrypt_failed');
    expectCode(() => decryptMiniProgramData({ ...base, encryptedData: 'AAAAAAAA' }), 'decrypt_failed');
    expectCode(
      () => decryptMiniProgramData({ ...base, sessionKey: Buffer.alloc(16, 7).toString('base64') }),
      'decrypt_failed',
    );
  });

  it('reports a bad pad byte as decrypt_failed', () => {
    // Last byte 0x02 but the byte before it is not 0x02.
    const encryptedData = encryptBytes(Buffer.from('{"a":1}xxxxxxx\u0001\u0002'), SESSION_KEY, false);
    expectCode(
      () =>
        decryptMiniProgramData({
          sessionKey: SESSION_KEY,
          encryptedData,
          iv: IV.toString('base64'),
          appId: APP_ID,
        }),
      'decrypt_failed',
    );
  });

  it('reports plaintext that is not a UTF-8 JSON object as invalid_json', () => {
    const iv = IV.toString('base64');
    for (const plaintext of [
      Buffer.from('not json'),
      Buffer.from('[1,2]'),
      Buffer.from('null'),
      Buffer.from([0xff, 0xfe]),
    ]) {
      expectCode(
        () =>
          decryptMiniProgramData({
            sessionKey: SESSION_KEY,
            encryptedData: encryptBytes(plaintext),
            iv,
            appId: APP_ID,
          }),
        'invalid_json',
      );
    }
  });

  it('requires a watermark and checks its appid', () => {
    const iv = IV.toString('base64');
    const decrypt = (data: unknown) =>
      decryptMiniProgramData({
        sessionKey: SESSION_KEY,
        encryptedData: encryptBytes(Buffer.from(JSON.stringify(data))),
        iv,
        appId: APP_ID,
      });
    expectCode(() => decrypt({ mobile: '1' }), 'watermark_missing');
    expectCode(() => decrypt({ watermark: 'x' }), 'watermark_missing');
    expectCode(() => decrypt({ watermark: { timestamp: 1 } }), 'watermark_mismatch');
    expectCode(() => decrypt({ watermark: { appid: `${APP_ID} ` } }), 'watermark_mismatch');
  });

  it('rejects misuse with exact TypeErrors', () => {
    const sealed = encryptMiniProgramData({ sessionKey: SESSION_KEY, data: sample, iv: IV });
    const base = { sessionKey: SESSION_KEY, ...sealed, appId: APP_ID };
    expect(() => decryptMiniProgramData({ ...base, iv: undefined as unknown as string })).toThrow(
      new TypeError(MINIPROGRAM_DATA_TYPE_ERRORS.strings),
    );
    expect(() => decryptMiniProgramData({ ...base, appId: null as unknown as string })).toThrow(
      new TypeError('sessionKey, encryptedData, iv and appId must be strings'),
    );
    for (const maxAgeSeconds of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => decryptMiniProgramData({ ...base, maxAgeSeconds })).toThrow(
        new TypeError('maxAgeSeconds must be a non-negative finite number'),
      );
    }
    expect(() => decryptMiniProgramData({ ...base, maxAgeSeconds: 1, now: Number.NaN })).toThrow(
      new TypeError('now must be a finite number'),
    );
  });

  it('checks watermark freshness only when maxAgeSeconds is given', () => {
    const sealed = encryptMiniProgramData({ sessionKey: SESSION_KEY, data: sample, iv: IV });
    const base = { sessionKey: SESSION_KEY, ...sealed, appId: APP_ID };
    const stamp = sample.watermark.timestamp;
    expect(decryptMiniProgramData(base)).toEqual(sample);
    expect(decryptMiniProgramData({ ...base, maxAgeSeconds: 300, now: stamp + 300 })).toEqual(sample);
    expectCode(
      () => decryptMiniProgramData({ ...base, maxAgeSeconds: 300, now: stamp + 301 }),
      'watermark_expired',
    );
    const noStamp = encryptMiniProgramData({
      sessionKey: SESSION_KEY,
      data: { watermark: { appid: APP_ID } },
      iv: IV,
    });
    expectCode(
      () =>
        decryptMiniProgramData({
          sessionKey: SESSION_KEY,
          ...noStamp,
          appId: APP_ID,
          maxAgeSeconds: 300,
          now: 1,
        }),
      'watermark_missing',
    );
  });

  it('never silently returns the original object after a ciphertext or iv byte flip', () => {
    // Strings and small integers only: JSON.stringify output then has no byte whose flip keeps the same value
    // (an exponent "e"→"E" would). CBC has no integrity check, so a flip may still decrypt: to different data.
    const data = {
      openId: 'oGZUI0egBJY1zhBYw2KhdUfwVJJE',
      gender: 1,
      watermark: { appid: APP_ID, timestamp: 1 },
    };
    const sealed = encryptMiniProgramData({ sessionKey: SESSION_KEY, data, iv: IV });
    const ciphertext = Buffer.from(sealed.encryptedData, 'base64');
    fc.assert(
      fc.property(fc.boolean(), fc.nat(), fc.integer({ min: 1, max: 255 }), (flipIv, position, mask) => {
        const target = Buffer.from(flipIv ? IV : ciphertext);
        const index = position % target.length;
        target[index] = (target[index] ?? 0) ^ mask;
        const input = flipIv
          ? { ...sealed, iv: target.toString('base64') }
          : { ...sealed, encryptedData: target.toString('base64') };
        let opened: unknown;
        try {
          opened = decryptMiniProgramData({ sessionKey: SESSION_KEY, ...input, appId: APP_ID });
        } catch (error) {
          expect(error).toBeInstanceOf(WecomCryptoError);
          return;
        }
        expect(opened).not.toEqual(data);
      }),
      { numRuns: 500 },
    );
  });

  it('throws only its own typed errors for arbitrary input', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.base64String()),
        fc.oneof(fc.string(), fc.base64String()),
        fc.oneof(fc.string(), fc.base64String()),
        fc.string(),
        (sessionKey, encryptedData, iv, appId) => {
          expect(() => decryptMiniProgramData({ sessionKey, encryptedData, iv, appId })).toThrow(
            WecomCryptoError,
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('throws only its own typed errors for random whole-block ciphertexts', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 8 })
          .chain((blocks) => fc.uint8Array({ minLength: blocks * 16, maxLength: blocks * 16 })),
        (bytes) => {
          const error = captureError(() =>
            decryptMiniProgramData({
              sessionKey: SESSION_KEY,
              encryptedData: Buffer.from(bytes).toString('base64'),
              iv: IV.toString('base64'),
              appId: APP_ID,
            }),
          );
          expect(error).toBeInstanceOf(WecomCryptoError);
          expect(['decrypt_failed', 'invalid_json', 'watermark_missing', 'watermark_mismatch']).toContain(
            (error as WecomCryptoError).code,
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('encryptMiniProgramData', () => {
  it('produces the official sample ciphertext from its plaintext', () => {
    const plaintext = decryptMiniProgramData(OFFICIAL);
    // The sample's JSON has no insignificant whitespace, so re-serialising reproduces its exact bytes.
    const sealed = encryptMiniProgramData({
      sessionKey: OFFICIAL.sessionKey,
      data: plaintext,
      iv: Buffer.from(OFFICIAL.iv, 'base64'),
    });
    expect(sealed).toEqual({ encryptedData: OFFICIAL.encryptedData, iv: OFFICIAL.iv });
  });

  it('rejects misuse with exact TypeErrors and bad keys with typed errors', () => {
    expect(() =>
      encryptMiniProgramData({ sessionKey: SESSION_KEY, data: sample, iv: new Uint8Array(8) }),
    ).toThrow(new TypeError('iv must be 16 bytes'));
    expect(() => encryptMiniProgramData({ sessionKey: SESSION_KEY, data: undefined })).toThrow(
      new TypeError('data must be JSON-serialisable'),
    );
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const data of [cyclic, { big: 1n }, () => 1]) {
      expect(() => encryptMiniProgramData({ sessionKey: SESSION_KEY, data })).toThrow(
        new TypeError('data must be JSON-serialisable'),
      );
    }
    expect(() => encryptMiniProgramData({ sessionKey: 1 as unknown as string, data: sample })).toThrow(
      new TypeError('sessionKey must be a string'),
    );
    expectCode(() => encryptMiniProgramData({ sessionKey: 'short', data: sample }), 'invalid_base64');
    expectCode(() => encryptMiniProgramData({ sessionKey: 'AAAA', data: sample }), 'invalid_key');
  });
});
