import { createHash } from 'node:crypto';
import { signRawData, verifyRawDataSignature } from '@wecom-auth/crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const SESSION_KEY = 'HyVFkGl5F5OQWJZZaNzBBg==';

describe('signRawData', () => {
  it('is the sha1 hex of rawData followed by the session key', () => {
    const rawData = '{"nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou"}';
    expect(signRawData({ rawData, sessionKey: SESSION_KEY })).toBe(
      createHash('sha1').update(`${rawData}${SESSION_KEY}`).digest('hex'),
    );
    // sha1("abc") — pins the algorithm and the hex encoding independently of node:crypto usage above.
    expect(signRawData({ rawData: 'ab', sessionKey: 'c' })).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
  });

  it('hashes non-ASCII rawData as UTF-8', () => {
    expect(signRawData({ rawData: '张三', sessionKey: '' })).toBe(
      createHash('sha1').update(Buffer.from('张三', 'utf8')).digest('hex'),
    );
  });
});

describe('verifyRawDataSignature', () => {
  it('accepts the matching signature', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (rawData, sessionKey) => {
        const signature = signRawData({ rawData, sessionKey });
        expect(verifyRawDataSignature({ rawData, signature, sessionKey })).toBe(true);
      }),
    );
  });

  it('rejects any other signature, including other lengths and upper case', () => {
    const rawData = '{"nickName":"Band"}';
    const signature = signRawData({ rawData, sessionKey: SESSION_KEY });
    expect(
      verifyRawDataSignature({ rawData, signature: signature.toUpperCase(), sessionKey: SESSION_KEY }),
    ).toBe(false);
    expect(verifyRawDataSignature({ rawData, signature: '', sessionKey: SESSION_KEY })).toBe(false);
    expect(verifyRawDataSignature({ rawData, signature: `${signature}0`, sessionKey: SESSION_KEY })).toBe(
      false,
    );
    fc.assert(
      fc.property(fc.string(), (candidate) => {
        fc.pre(candidate !== signature);
        expect(verifyRawDataSignature({ rawData, signature: candidate, sessionKey: SESSION_KEY })).toBe(
          false,
        );
      }),
    );
  });

  it('rejects a signature made for different rawData or another session key', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (rawData, other) => {
        fc.pre(rawData !== other);
        const signature = signRawData({ rawData, sessionKey: SESSION_KEY });
        expect(verifyRawDataSignature({ rawData: other, signature, sessionKey: SESSION_KEY })).toBe(false);
        expect(verifyRawDataSignature({ rawData, signature, sessionKey: `${SESSION_KEY}x` })).toBe(false);
      }),
    );
  });
});

describe('verifyRawDataSignature: strictness', () => {
  const rawData = '{"name":"张三","gender":1,"language":"zh_CN"}';
  const signature = signRawData({ rawData, sessionKey: SESSION_KEY });

  it('refuses upper case, padding, truncation and values that are not strings', () => {
    for (const bad of [
      signature.toUpperCase(),
      ` ${signature}`,
      `${signature}0`,
      signature.slice(0, 39),
      '',
    ]) {
      expect(verifyRawDataSignature({ rawData, signature: bad, sessionKey: SESSION_KEY })).toBe(false);
    }
    for (const bad of [null, 42, [signature], { toString: () => signature }]) {
      expect(
        verifyRawDataSignature({ rawData, signature: bad as unknown as string, sessionKey: SESSION_KEY }),
      ).toBe(false);
    }
    expect(
      verifyRawDataSignature({ rawData: 1 as unknown as string, signature, sessionKey: SESSION_KEY }),
    ).toBe(false);
  });

  it('any change of rawData, signature or session key fails', () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ minLength: 1 }), (rawDataOther, suffix) => {
        fc.pre(rawDataOther !== rawData);
        expect(verifyRawDataSignature({ rawData: rawDataOther, signature, sessionKey: SESSION_KEY })).toBe(
          false,
        );
        expect(verifyRawDataSignature({ rawData, signature, sessionKey: SESSION_KEY + suffix })).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
