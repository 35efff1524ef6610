import {
  CallbackCryptoError,
  callbackDeliveryId,
  checkCallbackFreshness,
  createCallbackCrypto,
  DEFAULT_CALLBACK_MAX_AGE_SECONDS,
  DEFAULT_CALLBACK_MAX_FUTURE_SKEW_SECONDS,
  InvalidCallbackParametersError,
  isCallbackFresh,
  isWecomEchoPlaintext,
  parseCallbackParameters,
  StaleCallbackError,
} from '@wecom-auth/crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { captureError } from './capture-error.js';

const KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const CORP_ID = 'ww1436e0e65a779aee';
const NOW = 1_700_000_000;
const crypto = createCallbackCrypto({ token: 'Token123', encodingAESKey: KEY, receiveId: CORP_ID });

function query(
  sealed: { msgSignature: string; timestamp: string; nonce: string },
  extra: Record<string, unknown> = {},
) {
  return { msg_signature: sealed.msgSignature, timestamp: sealed.timestamp, nonce: sealed.nonce, ...extra };
}

describe('parseCallbackParameters', () => {
  const sealed = crypto.encrypt('<xml/>', { timestamp: NOW, nonce: '1372623149' });

  it('reads an event POST query and a URL verification query', () => {
    expect(parseCallbackParameters(query(sealed), { echostr: false })).toEqual({
      msgSignature: sealed.msgSignature,
      timestamp: String(NOW),
      nonce: '1372623149',
    });
    expect(parseCallbackParameters(query(sealed, { echostr: sealed.encrypt }), { echostr: true })).toEqual({
      msgSignature: sealed.msgSignature,
      timestamp: String(NOW),
      nonce: '1372623149',
      echostr: sealed.encrypt,
    });
  });

  it('refuses each malformed parameter, naming it', () => {
    const cases: [Record<string, unknown>, boolean, string][] = [
      [{ ...query(sealed), msg_signature: undefined }, false, 'msg_signature'],
      [{ ...query(sealed), msg_signature: sealed.msgSignature.toUpperCase() }, false, 'msg_signature'],
      [
        { ...query(sealed), msg_signature: [sealed.msgSignature, sealed.msgSignature] },
        false,
        'msg_signature',
      ],
      [{ ...query(sealed), timestamp: '21700000000' }, false, 'timestamp'],
      [{ ...query(sealed), timestamp: '170000000' }, false, 'timestamp'],
      [{ ...query(sealed), timestamp: '0170000000' }, false, 'timestamp'],
      [{ ...query(sealed), timestamp: '+170000000' }, false, 'timestamp'],
      [{ ...query(sealed), timestamp: '1700000000 ' }, false, 'timestamp'],
      [{ ...query(sealed), nonce: '' }, false, 'nonce'],
      [{ ...query(sealed), nonce: 'a'.repeat(33) }, false, 'nonce'],
      [{ ...query(sealed), nonce: '12-34' }, false, 'nonce'],
      [query(sealed, { echostr: sealed.encrypt }), false, 'echostr'],
      [query(sealed), true, 'echostr'],
      [query(sealed, { echostr: 'abc' }), true, 'echostr'],
      [query(sealed, { echostr: 'A'.repeat(516) }), true, 'echostr'],
      [query(sealed, { echostr: 'ab cd===' }), true, 'echostr'],
    ];
    for (const [input, echostr, parameter] of cases) {
      const error = captureError(() => parseCallbackParameters(input, { echostr }));
      expect(error).toBeInstanceOf(InvalidCallbackParametersError);
      expect(error).toMatchObject({ code: 'invalid_callback_parameters', parameter });
    }
    expect(captureError(() => parseCallbackParameters(null, { echostr: false }))).toMatchObject({
      parameter: 'msg_signature',
    });
  });

  it('accepts what WeCom and its sample libraries send as nonces', () => {
    for (const nonce of ['263014780', '1372623149', '47744683', 'xxxxxx', '1']) {
      expect(parseCallbackParameters({ ...query(sealed), nonce }, { echostr: false }).nonce).toBe(nonce);
    }
  });
});

describe('callback freshness', () => {
  it('accepts now - maxAge <= ts <= now + maxSkew and nothing else, with the documented defaults', () => {
    expect(DEFAULT_CALLBACK_MAX_AGE_SECONDS).toBe(300);
    expect(DEFAULT_CALLBACK_MAX_FUTURE_SKEW_SECONDS).toBe(60);
    expect(isCallbackFresh(String(NOW - 300), { now: NOW })).toBe(true);
    expect(isCallbackFresh(String(NOW + 60), { now: NOW })).toBe(true);
    expect(isCallbackFresh(String(NOW - 301), { now: NOW })).toBe(false);
    expect(isCallbackFresh(String(NOW + 61), { now: NOW })).toBe(false);
    fc.assert(
      fc.property(
        fc.integer({ min: -2000, max: 2000 }),
        fc.nat(1000),
        fc.nat(1000),
        (offset, maxAge, maxSkew) => {
          const options = { now: NOW, maxAgeSeconds: maxAge, maxFutureSkewSeconds: maxSkew };
          expect(isCallbackFresh(String(NOW + offset), options)).toBe(-maxAge <= offset && offset <= maxSkew);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never counts a timestamp of another length as fresh, however large', () => {
    expect(isCallbackFresh(`2${NOW}`, { now: NOW, maxAgeSeconds: 1e12, maxFutureSkewSeconds: 1e12 })).toBe(
      false,
    );
    expect(isCallbackFresh('17', { now: NOW, maxAgeSeconds: 1e12, maxFutureSkewSeconds: 1e12 })).toBe(false);
  });

  it('checkCallbackFreshness tells an expired timestamp from one ahead of the clock', () => {
    expect(() => checkCallbackFreshness(String(NOW), { now: NOW })).not.toThrow();
    const old = captureError(() => checkCallbackFreshness(String(NOW - 301), { now: NOW }));
    expect(old).toBeInstanceOf(StaleCallbackError);
    expect(old).toMatchObject({ code: 'callback_expired' });
    expect(captureError(() => checkCallbackFreshness(String(NOW + 61), { now: NOW }))).toMatchObject({
      code: 'callback_from_future',
    });
    expect(captureError(() => checkCallbackFreshness(`2${NOW}`, { now: NOW }))).toMatchObject({
      code: 'callback_from_future',
    });
  });

  it('refuses a bad window as misuse', () => {
    expect(() => isCallbackFresh(String(NOW), { now: Number.NaN })).toThrow(TypeError);
    expect(() => isCallbackFresh(String(NOW), { now: NOW, maxAgeSeconds: -1 })).toThrow(TypeError);
  });
});

/**
 * Every (timestamp', nonce') that signs like (timestamp, nonce): the signature covers the sorted concatenation, so
 * the candidates are all splits of `ts + nonce` and `nonce + ts`.
 */
function shiftedPairs(timestamp: string, nonce: string, encrypt: string): [string, string][] {
  const original = crypto.sign({ timestamp, nonce, encrypt });
  const pairs: [string, string][] = [];
  for (const joined of [timestamp + nonce, nonce + timestamp]) {
    for (let cut = 1; cut < joined.length; cut += 1) {
      const head = joined.slice(0, cut);
      const tail = joined.slice(cut);
      for (const [ts, n] of [
        [head, tail],
        [tail, head],
      ] as [string, string][]) {
        if (ts === timestamp && n === nonce) continue;
        if (crypto.sign({ timestamp: ts, nonce: n, encrypt }) === original) pairs.push([ts, n]);
      }
    }
  }
  return pairs;
}

describe('the timestamp/nonce concatenation ambiguity', () => {
  it('the shift exists: a 12-digit timestamp signs like the original', () => {
    // A fixed prefix keeps the ciphertext's place in the sorted parameters: one starting with `1` or `2` (about one
    // draw in thirty with a random prefix) would sort between the two numbers and break the shift.
    const sealed = crypto.encrypt('<xml/>', {
      timestamp: NOW,
      nonce: '12',
      random: new Uint8Array(16).fill(0x41),
    });
    expect(sealed.encrypt).toMatch(/^[A-Za-z]/);
    expect(crypto.sign({ timestamp: `2${NOW}`, nonce: '1', encrypt: sealed.encrypt })).toBe(
      sealed.msgSignature,
    );
    // …and a one-sided age check would have let it through; the parser and the window do not.
    expect(
      captureError(() =>
        parseCallbackParameters(query({ ...sealed, timestamp: `2${NOW}`, nonce: '1' }), { echostr: false }),
      ),
    ).toMatchObject({ parameter: 'timestamp' });
    expect(isCallbackFresh(`2${NOW}`, { now: NOW })).toBe(false);
  });

  it('any shifted pair that still verifies is refused by the parser or the window, or is the same delivery', () => {
    const nonce = fc.oneof(
      fc.stringMatching(/^\d{1,12}$/),
      fc.stringMatching(/^[A-Za-z0-9]{1,16}$/),
      // Nonces that look like timestamps near now, the one case a 10-digit timestamp admits (a swap).
      fc.integer({ min: NOW - 400, max: NOW + 400 }).map(String),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: -300, max: 60 }),
        nonce,
        fc.integer({ min: -400, max: 400 }),
        (age, n, later) => {
          const sealed = crypto.encrypt('<xml/>', { timestamp: NOW + age, nonce: n });
          const originalId = callbackDeliveryId(sealed);
          const now = NOW + later;
          for (const [ts, shiftedNonce] of shiftedPairs(sealed.timestamp, n, sealed.encrypt)) {
            const shifted = { msgSignature: sealed.msgSignature, timestamp: ts, nonce: shiftedNonce };
            // The signature really does verify: only the checks below can stop the replay.
            expect(crypto.decrypt({ ...shifted, encrypt: sealed.encrypt }).message).toBe('<xml/>');
            const parsed = captureError(() => parseCallbackParameters(query(shifted), { echostr: false }));
            const refused = parsed !== undefined || !isCallbackFresh(ts, { now });
            expect(refused || callbackDeliveryId(shifted) === originalId).toBe(true);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('a swap of a timestamp-like nonce passes both checks but is the same delivery', () => {
    const sealed = crypto.encrypt('<xml/>', { timestamp: NOW, nonce: String(NOW - 5) });
    const swapped = { msgSignature: sealed.msgSignature, timestamp: String(NOW - 5), nonce: String(NOW) };
    expect(crypto.decrypt({ ...swapped, encrypt: sealed.encrypt }).message).toBe('<xml/>');
    expect(parseCallbackParameters(query(swapped), { echostr: false })).toEqual(swapped);
    expect(isCallbackFresh(swapped.timestamp, { now: NOW })).toBe(true);
    expect(callbackDeliveryId(swapped)).toBe(callbackDeliveryId(sealed));
  });
});

describe('callbackDeliveryId', () => {
  it('is the same for a retry of one delivery and differs between two deliveries of the same event', () => {
    const xml = '<xml><ChangeType>update_user</ChangeType><UserID>zhangsan</UserID><Status>2</Status></xml>';
    const first = crypto.encrypt(xml, { timestamp: NOW });
    const retry = { ...first };
    const again = crypto.encrypt(xml, { timestamp: NOW });
    expect(callbackDeliveryId(retry)).toBe(callbackDeliveryId(first));
    expect(callbackDeliveryId(again)).not.toBe(callbackDeliveryId(first));
    expect(callbackDeliveryId(first)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('depends on each of msg_signature, timestamp and nonce', () => {
    const base = { msgSignature: 'a'.repeat(40), timestamp: String(NOW), nonce: '123' };
    const id = callbackDeliveryId(base);
    expect(callbackDeliveryId({ ...base, msgSignature: 'b'.repeat(40) })).not.toBe(id);
    expect(callbackDeliveryId({ ...base, timestamp: String(NOW + 1) })).not.toBe(id);
    expect(callbackDeliveryId({ ...base, nonce: '124' })).not.toBe(id);
  });
});

describe('echostr shape', () => {
  it('isWecomEchoPlaintext accepts short letters and digits only', () => {
    for (const echo of ['1616140317555161061', '5927782489442352469', 'aB3', 'x'.repeat(32)]) {
      expect(isWecomEchoPlaintext(echo)).toBe(true);
    }
    for (const echo of ['', 'x'.repeat(33), '<xml/>', '123 456', '123\n', '１２３', '12-34']) {
      expect(isWecomEchoPlaintext(echo)).toBe(false);
    }
  });

  it('verifyUrl refuses a captured event replayed as echostr, though it is validly signed', () => {
    const event = crypto.encrypt('<xml><ChangeType>delete_user</ChangeType><UserID>lisi</UserID></xml>');
    const error = captureError(() => crypto.verifyUrl({ ...event, echostr: event.encrypt }));
    expect(error).toBeInstanceOf(CallbackCryptoError);
    expect(error).toMatchObject({ code: 'invalid_echostr', wxBizMsgCryptCode: -40008 });
    expect((error as Error).message).not.toContain('lisi');
    const echo = crypto.encrypt('1616140317555161061');
    expect(crypto.verifyUrl({ ...echo, echostr: echo.encrypt })).toBe('1616140317555161061');
  });

  it('verifyUrl answers nothing but an echo string, whatever was sealed', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 48 }), (plaintext) => {
        const sealed = crypto.encrypt(plaintext);
        const answer = captureError(() => crypto.verifyUrl({ ...sealed, echostr: sealed.encrypt }));
        if (isWecomEchoPlaintext(plaintext)) expect(answer).toBeUndefined();
        else expect(answer).toMatchObject({ code: 'invalid_echostr' });
      }),
      { numRuns: 200 },
    );
  });
});
