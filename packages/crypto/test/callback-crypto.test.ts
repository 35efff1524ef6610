import { createCipheriv } from 'node:crypto';
import {
  CALLBACK_CRYPTO_TYPE_ERRORS,
  CallbackCryptoError,
  createCallbackCrypto,
  SignatureMismatchError,
  WecomCryptoError,
  WX_BIZ_MSG_CRYPT_ERRORS,
} from '@wecom-auth/crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { captureError } from './capture-error.js';

// wecom-api.md §8 V2 (wechatpy tests/test_crypto.py).
const V2 = {
  token: '123456',
  encodingAESKey: 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR',
  receiveId: 'wx49f0ab532d5d035a',
};
const V2A = {
  msgSignature: 'dd6b9c95b495b3f7e2901bfbc76c664930ffdb96',
  timestamp: '1411443780',
  nonce: '437374425',
  echostr: '4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q==',
};
const V2B = {
  msgSignature: '74d92dfeb87ba7c714f89d98870ae5eb62dff26d',
  timestamp: '1411525903',
  nonce: '461056294',
  encrypt:
    'RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0=',
};
const V2B_MESSAGE =
  '<xml><ToUserName><![CDATA[wx49f0ab532d5d035a]]></ToUserName>\n<FromUserName><![CDATA[messense]]></FromUserName>\n<CreateTime>1411525903</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[test]]></Content>\n<MsgId>4363689963896700987</MsgId>\n<AgentID>1</AgentID>\n</xml>';
const V2C_MESSAGE =
  '<xml>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[test]]></Content>\n<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>\n<ToUserName><![CDATA[messense]]></ToUserName>\n<AgentID>1</AgentID>\n<CreateTime>1411525903</CreateTime>\n</xml>';
const V2C_ENCRYPT =
  '9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3';

// The worked example of WeCom's "加解密方案说明" (path/90968) and its WXBizMsgCrypt samples (pad 30 > 16).
const OFFICIAL_DOC = {
  token: 'QDG6eK',
  encodingAESKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  receiveId: 'wx5823bf96d3bd56c7',
};
// sbzhu/weworkapi_python callback/Sample.py.
const OFFICIAL_SAMPLE = {
  token: 'hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo',
  encodingAESKey: '6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt',
  receiveId: 'ww1436e0e65a779aee',
};

const KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const CORP_ID = 'ww1436e0e65a779aee';

function expectCallbackError(action: () => unknown, code: string, wxCode: number): CallbackCryptoError {
  const error = captureError(action);
  expect(error).toBeInstanceOf(CallbackCryptoError);
  expect(error).toMatchObject({ code, wxBizMsgCryptCode: wxCode });
  return error as CallbackCryptoError;
}

/** Encrypts an arbitrary plaintext with the callback key, to build payloads the encoder would never produce. */
function sealRaw(encodingAESKey: string, plaintext: Buffer): string {
  const key = Buffer.from(`${encodingAESKey}=`, 'base64');
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plaintext), cipher.final()]).toString('base64');
}

function pad32(data: Buffer): Buffer {
  const padLength = 32 - (data.length % 32);
  return Buffer.concat([data, Buffer.alloc(padLength, padLength)]);
}

function lengthField(length: number): Buffer {
  const field = Buffer.alloc(4);
  field.writeUInt32BE(length);
  return field;
}

/** Any Unicode scalar values (lone surrogates cannot be encoded as UTF-8); faster than fc.string's binary unit. */
const unicodeText = fc
  .array(fc.oneof(fc.integer({ min: 0, max: 0xd7ff }), fc.integer({ min: 0xe000, max: 0x10ffff })), {
    maxLength: 150,
  })
  .map((codePoints) => String.fromCodePoint(...codePoints));

describe('known vectors', () => {
  const crypto = createCallbackCrypto(V2);

  it('V2a: verifies the URL and returns the echo plaintext', () => {
    expect(crypto.sign({ timestamp: V2A.timestamp, nonce: V2A.nonce, encrypt: V2A.echostr })).toBe(
      V2A.msgSignature,
    );
    expect(crypto.verifyUrl(V2A)).toBe('5927782489442352469');
    expect(() => crypto.verifyUrl({ ...V2A, nonce: '437374424' })).toThrow(SignatureMismatchError);
  });

  it('V2b: decrypts a message whose pad is 1', () => {
    expect(crypto.decrypt(V2B)).toEqual({ message: V2B_MESSAGE, receiveId: V2.receiveId });
  });

  it('V2c: encrypts deterministically with a fixed random prefix', () => {
    const sealed = crypto.encrypt(V2C_MESSAGE, {
      timestamp: V2B.timestamp,
      nonce: V2B.nonce,
      random: Buffer.from('1234567890123456'),
    });
    expect(sealed).toEqual({
      encrypt: V2C_ENCRYPT,
      msgSignature: '407518b7649e86ef23978113f92d27afa9296533',
      timestamp: V2B.timestamp,
      nonce: V2B.nonce,
    });
  });

  it('V3: counts the message length in UTF-8 bytes', () => {
    const wxJava = createCallbackCrypto({
      token: 'pamtest',
      encodingAESKey: KEY,
      receiveId: 'wxb11529c136998cb6',
    });
    const sealed = wxJava.encrypt('我是中文abcd123', {
      timestamp: 1409304348,
      nonce: 'xxxxxx',
      random: Buffer.from('aaaabbbbccccdddd'),
    });
    expect(sealed.encrypt).toBe(
      'jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==',
    );
    expect(sealed.timestamp).toBe('1409304348');
    expect(wxJava.decrypt({ ...sealed, encrypt: sealed.encrypt })).toEqual({
      message: '我是中文abcd123',
      receiveId: 'wxb11529c136998cb6',
    });
  });

  it('V7: the two spellings of the 43rd key character are the same key', () => {
    const encrypt = '9s4gMv99m88kKTh/H8IdkNiFGeG9pd7vNWl50fGRWXY=';
    for (const encodingAESKey of ['kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aQ', V2.encodingAESKey]) {
      const rust = createCallbackCrypto({ token: 'token', encodingAESKey, receiveId: 'rust' });
      const msgSignature = rust.sign({ timestamp: 1, nonce: 'n', encrypt });
      expect(rust.decrypt({ msgSignature, timestamp: 1, nonce: 'n', encrypt })).toEqual({
        message: 'test',
        receiveId: 'rust',
      });
    }
    const q = createCallbackCrypto({ ...V2, encodingAESKey: 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aQ' });
    expect(q.decrypt(V2B).message).toBe(V2B_MESSAGE);
  });

  it('official WeCom worked example: URL verification and a message padded by 30', () => {
    const official = createCallbackCrypto(OFFICIAL_DOC);
    expect(
      official.verifyUrl({
        msgSignature: '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3',
        timestamp: '1409659589',
        nonce: '263014780',
        echostr: 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==',
      }),
    ).toBe('1616140317555161061');
    const decrypted = official.decrypt({
      msgSignature: '477715d11cdb4164915debcba66cb864d751f3e6',
      timestamp: '1409659813',
      nonce: '1372623149',
      encrypt:
        'RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==',
    });
    expect(decrypted).toEqual({
      message:
        '<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>',
      receiveId: 'wx5823bf96d3bd56c7',
    });
  });

  it('official WXBizMsgCrypt python sample: URL verification and decrypt', () => {
    const sample = createCallbackCrypto(OFFICIAL_SAMPLE);
    expect(
      sample.verifyUrl({
        msgSignature: '012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb',
        timestamp: '1476416373',
        nonce: '47744683',
        echostr: 'fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==',
      }),
    ).toBe('1288432023552776189');
    expect(
      sample.decrypt({
        msgSignature: '0c3914025cb4b4d68103f6bfc8db550f79dcf48e',
        timestamp: '1476422779',
        nonce: '1597212914',
        encrypt:
          'Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+',
      }).message,
    ).toBe(
      '<xml><ToUserName>ww1436e0e65a779aee</ToUserName><FromUserName>ChenJiaShun</FromUserName><CreateTime>1476422779</CreateTime><MsgType>text</MsgType><Content>你好</Content><MsgId>1456453720</MsgId><AgentID>1000002</AgentID></xml>',
    );
  });
});

describe('createCallbackCrypto options', () => {
  const valid = { token: 'Token123', encodingAESKey: KEY, receiveId: CORP_ID };

  it('accepts tokens of 1 to 32 letters or digits and keys using + and /', () => {
    expect(() => createCallbackCrypto({ ...valid, token: 'a' })).not.toThrow();
    expect(() => createCallbackCrypto({ ...valid, token: 'A1'.repeat(16) })).not.toThrow();
    expect(() => createCallbackCrypto({ ...valid, encodingAESKey: `+/${KEY.slice(2)}` })).not.toThrow();
  });

  it.each([
    ['empty token', { token: '' }, CALLBACK_CRYPTO_TYPE_ERRORS.token],
    ['33-char token', { token: 'a'.repeat(33) }, CALLBACK_CRYPTO_TYPE_ERRORS.token],
    ['token with symbols', { token: 'to-ken' }, CALLBACK_CRYPTO_TYPE_ERRORS.token],
    ['42-char key', { encodingAESKey: KEY.slice(1) }, CALLBACK_CRYPTO_TYPE_ERRORS.encodingAESKey],
    ['44-char key', { encodingAESKey: `${KEY}=` }, CALLBACK_CRYPTO_TYPE_ERRORS.encodingAESKey],
    ['key with -', { encodingAESKey: `-${KEY.slice(1)}` }, CALLBACK_CRYPTO_TYPE_ERRORS.encodingAESKey],
    ['empty receiveId', { receiveId: '' }, CALLBACK_CRYPTO_TYPE_ERRORS.receiveId],
  ])('rejects %s with an exact TypeError', (_name, override, message) => {
    expect(() => createCallbackCrypto({ ...valid, ...override })).toThrow(new TypeError(message));
  });

  it('pins the option error messages', () => {
    expect(CALLBACK_CRYPTO_TYPE_ERRORS.token).toBe('token must be 1-32 ASCII letters or digits');
    expect(CALLBACK_CRYPTO_TYPE_ERRORS.encodingAESKey).toBe(
      'encodingAESKey must be exactly 43 base64 characters (A-Z, a-z, 0-9, +, /)',
    );
  });

  it('never echoes the rejected secret in the TypeError', () => {
    const error = captureError(() => createCallbackCrypto({ ...valid, encodingAESKey: `${KEY}X` })) as Error;
    expect(error.message).not.toContain(KEY);
  });

  it('rejects non-string request fields with an exact TypeError', () => {
    const crypto = createCallbackCrypto(valid);
    const sealed = crypto.encrypt('x');
    const message =
      'msgSignature, nonce and encrypt/echostr must be strings and timestamp a string or number';
    expect(CALLBACK_CRYPTO_TYPE_ERRORS.request).toBe(message);
    for (const field of ['msgSignature', 'nonce', 'encrypt', 'timestamp'] as const) {
      expect(() => crypto.decrypt({ ...sealed, [field]: undefined as unknown as string })).toThrow(
        new TypeError(message),
      );
    }
    expect(() => crypto.verifyUrl({ ...sealed, echostr: 42 as unknown as string })).toThrow(
      new TypeError(message),
    );
    expect(() => crypto.encrypt(undefined as unknown as string)).toThrow(
      new TypeError(CALLBACK_CRYPTO_TYPE_ERRORS.message),
    );
    // Numeric timestamps are accepted and signed as their decimal text.
    const numeric = crypto.encrypt('y', { timestamp: 1700000000, nonce: 'n' });
    expect(crypto.decrypt({ ...numeric, timestamp: 1700000000 }).message).toBe('y');
  });

  it('rejects a random prefix that is not 16 bytes', () => {
    const crypto = createCallbackCrypto(valid);
    expect(() => crypto.encrypt('x', { random: new Uint8Array(15) })).toThrow(
      new TypeError(CALLBACK_CRYPTO_TYPE_ERRORS.random),
    );
  });
});

describe('sign', () => {
  it('is a 40-char lowercase sha1 hex independent of argument order', () => {
    const crypto = createCallbackCrypto({ token: 'b', encodingAESKey: KEY, receiveId: CORP_ID });
    const signature = crypto.sign({ timestamp: 'a', nonce: 'd', encrypt: 'c' });
    expect(signature).toMatch(/^[0-9a-f]{40}$/);
    // sha1("abcd"): the four values sorted, not taken in parameter order.
    expect(signature).toBe('81fe8bfe87576c3ecb22426f8e57847382917acf');
    expect(crypto.sign({ timestamp: 'd', nonce: 'a', encrypt: 'c' })).toBe(signature);
  });
});

describe('round trips', () => {
  const crypto = createCallbackCrypto({ token: 'Token123', encodingAESKey: KEY, receiveId: CORP_ID });

  it('any unicode message with any binary random prefix', () => {
    fc.assert(
      fc.property(unicodeText, fc.uint8Array({ minLength: 16, maxLength: 16 }), (message, random) => {
        const sealed = crypto.encrypt(message, { random });
        expect(crypto.decrypt(sealed)).toEqual({ message, receiveId: CORP_ID });
      }),
    );
  });

  it('message lengths around the 32-byte padding boundary, with any receiveId length', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        (length, receiveId) => {
          const local = createCallbackCrypto({ token: 't', encodingAESKey: KEY, receiveId });
          const message = 'x'.repeat(length);
          const sealed = local.encrypt(message);
          const ciphertextLength = Buffer.from(sealed.encrypt, 'base64').length;
          expect(ciphertextLength % 32).toBe(0);
          // Always at least one pad byte, at most a whole 32-byte block.
          const plainLength = 20 + length + Buffer.byteLength(receiveId);
          expect(ciphertextLength - plainLength).toBeGreaterThanOrEqual(1);
          expect(ciphertextLength - plainLength).toBeLessThanOrEqual(32);
          expect(local.decrypt(sealed)).toEqual({ message, receiveId });
        },
      ),
    );
  });

  it('generates timestamps, numeric nonces and random prefixes when not given', () => {
    const first = crypto.encrypt('same');
    const second = crypto.encrypt('same');
    expect(first.timestamp).toMatch(/^\d{10}$/);
    expect(first.nonce).toMatch(/^\d{10}$/);
    expect(first.encrypt).not.toBe(second.encrypt);
  });

  it('verifyUrl decrypts a numeric echo string', () => {
    const sealed = crypto.encrypt('5927782489442352469');
    expect(crypto.verifyUrl({ ...sealed, echostr: sealed.encrypt })).toBe('5927782489442352469');
  });
});

describe('receiveId check', () => {
  const sender = createCallbackCrypto({ token: 'Token123', encodingAESKey: KEY, receiveId: 'wwothercorp' });
  const sealed = sender.encrypt('<xml/>');

  it('rejects another receiveId with -40005', () => {
    const receiver = createCallbackCrypto({ token: 'Token123', encodingAESKey: KEY, receiveId: CORP_ID });
    const error = expectCallbackError(() => receiver.decrypt(sealed), 'receive_id_mismatch', -40005);
    expect(error.message).not.toContain('wwothercorp');
    expectCallbackError(
      () => receiver.verifyUrl({ ...sealed, echostr: sealed.encrypt }),
      'receive_id_mismatch',
      -40005,
    );
  });

  it('can be turned off per instance or per call for third-party data callbacks', () => {
    const lenient = createCallbackCrypto({
      token: 'Token123',
      encodingAESKey: KEY,
      receiveId: 'suite',
      checkReceiveId: false,
    });
    expect(lenient.decrypt(sealed)).toEqual({ message: '<xml/>', receiveId: 'wwothercorp' });
    const strict = createCallbackCrypto({ token: 'Token123', encodingAESKey: KEY, receiveId: CORP_ID });
    expect(strict.decrypt(sealed, { checkReceiveId: false }).receiveId).toBe('wwothercorp');
    const echo = sender.encrypt('5927782489442352469');
    expect(strict.verifyUrl({ ...echo, echostr: echo.encrypt }, { checkReceiveId: false })).toBe(
      '5927782489442352469',
    );
    expectCallbackError(
      () => lenient.decrypt(sealed, { checkReceiveId: true }),
      'receive_id_mismatch',
      -40005,
    );
  });
});

describe('tampering', () => {
  const crypto = createCallbackCrypto({ token: 'Token123', encodingAESKey: KEY, receiveId: CORP_ID });
  const sealed = crypto.encrypt('<xml><ChangeType>update_user</ChangeType><UserID>zhangsan</UserID></xml>', {
    timestamp: 1700000000,
    nonce: '123456789',
  });

  it('rejects any single-character change of the ciphertext text with -40001', () => {
    fc.assert(
      fc.property(fc.nat(), fc.string({ minLength: 1, maxLength: 1 }), (position, replacement) => {
        const index = position % sealed.encrypt.length;
        fc.pre(sealed.encrypt[index] !== replacement);
        const encrypt = sealed.encrypt.slice(0, index) + replacement + sealed.encrypt.slice(index + 1);
        expectCallbackError(() => crypto.decrypt({ ...sealed, encrypt }), 'signature_mismatch', -40001);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects any single-character change of the signature, timestamp or nonce with -40001', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('msgSignature', 'timestamp', 'nonce'),
        fc.nat(),
        fc.string({ minLength: 1, maxLength: 1 }),
        (field, position, replacement) => {
          const original = sealed[field];
          const index = position % original.length;
          fc.pre(original[index] !== replacement);
          const changed = original.slice(0, index) + replacement + original.slice(index + 1);
          const error = captureError(() => crypto.decrypt({ ...sealed, [field]: changed }));
          expect(error).toBeInstanceOf(SignatureMismatchError);
          expect((error as SignatureMismatchError).wxBizMsgCryptCode).toBe(
            WX_BIZ_MSG_CRYPT_ERRORS.validateSignatureError,
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('with a valid signature, a flipped ciphertext byte is rejected or changes the result', () => {
    // Someone who knows the token (but not the key) can re-sign. CBC has no integrity check, so what holds is:
    // the flip garbles one plaintext block and flips one byte of the next, hence the original is never returned.
    const original = crypto.decrypt(sealed);
    const bytes = Buffer.from(sealed.encrypt, 'base64');
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), (position, mask) => {
        const tampered = Buffer.from(bytes);
        const index = position % tampered.length;
        tampered[index] = (tampered[index] ?? 0) ^ mask;
        const encrypt = tampered.toString('base64');
        const msgSignature = crypto.sign({ ...sealed, encrypt });
        let result: unknown;
        try {
          result = crypto.decrypt({ ...sealed, encrypt, msgSignature });
        } catch (error) {
          expect(error).toBeInstanceOf(CallbackCryptoError);
          return;
        }
        expect(result).not.toEqual(original);
      }),
      { numRuns: 500 },
    );
  });
});

describe('malformed payloads', () => {
  const crypto = createCallbackCrypto({ token: 'Token123', encodingAESKey: KEY, receiveId: CORP_ID });
  const signed = (encrypt: string) => ({
    encrypt,
    timestamp: '1',
    nonce: '2',
    msgSignature: crypto.sign({ encrypt, timestamp: '1', nonce: '2' }),
  });

  it('maps each failure to its code and official number', () => {
    expectCallbackError(() => crypto.decrypt(signed('not*base64')), 'invalid_base64', -40010);
    expectCallbackError(() => crypto.decrypt(signed('')), 'decrypt_failed', -40007);
    expectCallbackError(() => crypto.decrypt(signed('AAAAAAAA')), 'decrypt_failed', -40007);
    // Pad byte 0x21 (33) is beyond the 32-byte block.
    const badPad = sealRaw(KEY, Buffer.concat([Buffer.alloc(31, 0x41), Buffer.from([33])]));
    expectCallbackError(() => crypto.decrypt(signed(badPad)), 'decrypt_failed', -40007);
    // Pad byte 0 is never valid.
    expectCallbackError(
      () => crypto.decrypt(signed(sealRaw(KEY, Buffer.alloc(32)))),
      'decrypt_failed',
      -40007,
    );
    // Valid padding but fewer than 20 bytes of content.
    const short = sealRaw(KEY, pad32(Buffer.alloc(10, 0x41)));
    expectCallbackError(() => crypto.decrypt(signed(short)), 'invalid_length', -40008);
    // Length field larger than the payload.
    const overlong = sealRaw(
      KEY,
      pad32(Buffer.concat([Buffer.alloc(16, 0x41), lengthField(1000), Buffer.from('hi')])),
    );
    expectCallbackError(() => crypto.decrypt(signed(overlong)), 'invalid_length', -40008);
    // Message bytes that are not UTF-8.
    const binary = sealRaw(
      KEY,
      pad32(
        Buffer.concat([Buffer.alloc(16), lengthField(2), Buffer.from([0xff, 0xfe]), Buffer.from(CORP_ID)]),
      ),
    );
    expectCallbackError(() => crypto.decrypt(signed(binary)), 'decrypt_failed', -40007);
  });

  it('accepts a payload padded by a whole 32-byte block', () => {
    const plaintext = Buffer.concat([
      Buffer.alloc(16, 0x30),
      lengthField(12),
      Buffer.from('abcdefghijkl'),
      Buffer.from(''),
    ]);
    // 32 bytes of content → 32 bytes of 0x20 padding; receiveId is empty so the check is turned off.
    const encrypt = sealRaw(KEY, pad32(plaintext));
    expect(Buffer.from(encrypt, 'base64')).toHaveLength(64);
    expect(crypto.decrypt(signed(encrypt), { checkReceiveId: false })).toEqual({
      message: 'abcdefghijkl',
      receiveId: '',
    });
  });

  it('error messages carry no secret', () => {
    const error = captureError(() => crypto.decrypt(signed(sealRaw(KEY, Buffer.alloc(32))))) as Error;
    expect(`${error.message} ${JSON.stringify(error)}`).not.toMatch(/Token123|abcdefghijklmnop/);
  });

  it('garbage with a correct signature only ever throws typed callback errors', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.base64String(),
          fc.uint8Array().map((b) => Buffer.from(b).toString('base64')),
        ),
        (encrypt) => {
          try {
            crypto.decrypt(signed(encrypt));
          } catch (error) {
            expect(error).toBeInstanceOf(CallbackCryptoError);
            return;
          }
          throw new Error('garbage decrypted');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('garbage parameters only ever throw the package errors', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.string(),
        fc.string(),
        fc.string(),
        (msgSignature, timestamp, nonce, encrypt) => {
          expect(() => crypto.decrypt({ msgSignature, timestamp, nonce, encrypt })).toThrow(WecomCryptoError);
          expect(() => crypto.verifyUrl({ msgSignature, timestamp, nonce, echostr: encrypt })).toThrow(
            WecomCryptoError,
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});
