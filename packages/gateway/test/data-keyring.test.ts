/**
 * The data keyring on its own: what a fallback sealed is still opened, the keys of a configuration come in the
 * documented order, a reseal pass moves everything under the current key without overwriting newer values, and a
 * signing key no configured key opens is replaced instead of stopping the issuer.
 */
import { randomBytes } from 'node:crypto';
import { createMemoryStore, type SessionRecord } from '@wecom-auth/store';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { dataKeyringOf, hasConfiguredFallbacks } from '../src/config/data-keys.js';
import { createDataKeyring } from '../src/sessions/data-keyring.js';
import { resealRecords, totalOf } from '../src/sessions/data-resealer.js';
import { createDataSealer, deriveDataKey } from '../src/sessions/data-sealer.js';
import {
  type ResealableKind,
  ResealRegistry,
  resealableKindsOf,
} from '../src/sessions/resealable-records.js';
import { TokenIssuer } from '../src/sessions/token-issuer.js';

const key = (): Buffer => randomBytes(32);
const base64Key = (byte: number): string => Buffer.alloc(32, byte).toString('base64');

describe('createDataKeyring', () => {
  it('seals with the current key and opens what any of its keys sealed, saying which', () => {
    const [current, previous, older] = [key(), key(), key()];
    const keyring = createDataKeyring([
      { key: current, source: 'WECOM_AUTH_DATA_KEY' },
      { key: previous, source: 'WECOM_AUTH_DATA_KEY_FALLBACKS[0]' },
      { key: older, source: 'WECOM_AUTH_DATA_KEY_FALLBACKS[1]' },
    ]);
    const fromOlder = createDataSealer(older).seal('session key', 'session_key');
    expect(keyring.open(fromOlder, 'session_key')).toBe('session key');
    expect(keyring.unseal(fromOlder, 'session_key')).toEqual({
      plaintext: 'session key',
      keyIndex: 2,
      source: 'WECOM_AUTH_DATA_KEY_FALLBACKS[1]',
    });
    const sealed = keyring.seal('session key', 'session_key');
    expect(createDataSealer(current).open(sealed, 'session_key')).toBe('session key');
    expect(() => createDataSealer(previous).open(sealed, 'session_key')).toThrow();
    expect(keyring.unseal(sealed, 'session_key')?.keyIndex).toBe(0);
  });

  it('keeps the purpose binding, and refuses what no key sealed', () => {
    const keyring = createDataKeyring([{ key: key(), source: 'a' }]);
    const sealed = keyring.seal('private jwk', 'signing_key');
    expect(keyring.unseal(sealed, 'session_key')).toBeUndefined();
    expect(() => keyring.open(sealed, 'session_key')).toThrow(
      'the record was not sealed with any configured data key and this purpose',
    );
    expect(keyring.unseal(createDataSealer(key()).seal('x', 'signing_key'), 'signing_key')).toBeUndefined();
  });

  it('keeps a key given twice once, under its first source, and needs at least one 32-byte key', () => {
    const shared = key();
    const keyring = createDataKeyring([
      { key: shared, source: 'WECOM_AUTH_DATA_KEY' },
      { key: Buffer.from(shared), source: 'WECOM_AUTH_DATA_KEY_FALLBACKS[0]' },
    ]);
    expect(keyring.sources).toEqual(['WECOM_AUTH_DATA_KEY']);
    expect(() => createDataKeyring([])).toThrow(TypeError);
    expect(() => createDataKeyring([{ key: Buffer.alloc(16), source: 'short' }])).toThrow(
      'the data key must be 32 bytes',
    );
  });

  it('round-trips any text through any of its keys, and never throws on garbage', () => {
    const keys = [key(), key(), key()];
    const keyring = createDataKeyring(keys.map((k, index) => ({ key: k, source: `k${index}` })));
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 0, max: 2 }), (text, index) => {
        const sealed = createDataSealer(keys[index] as Buffer).seal(text, 'session_key');
        expect(keyring.unseal(sealed, 'session_key')).toEqual({
          plaintext: text,
          keyIndex: index,
          source: `k${index}`,
        });
      }),
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((text) => `v1.${text}.${text}`),
        ),
        (garbage) => {
          expect(keyring.unseal(garbage, 'session_key')).toBeUndefined();
        },
      ),
    );
  });
});

describe('the keyring of a configuration', () => {
  const names = (index: number) => ({
    corpId: `WECOM_CORPS[${index}].corpId`,
    secret: `WECOM_CORPS[${index}].secret`,
    previousSecrets: `WECOM_CORPS[${index}].previousSecrets`,
    callback: `WECOM_CORPS[${index}].callbackToken and .callbackAesKey`,
  });
  const corps = [
    { corpId: 'wwparent', secret: 'parent-new', previousSecrets: ['parent-old'], settingNames: names(0) },
    { corpId: 'wwsub', secret: 'sub-secret', settingNames: names(1) },
  ];

  it('derives the current key from the default corp secret when no data key is set', () => {
    const keyring = dataKeyringOf({ dataKey: undefined, dataKeyFallbacks: [], corps });
    expect(keyring.sources).toEqual([
      'derived from WECOM_CORPS[0].secret',
      'derived from WECOM_CORPS[0].previousSecrets[0]',
      'derived from WECOM_CORPS[1].secret',
    ]);
    const sealedByOld = createDataSealer(
      deriveDataKey({ configuredKey: undefined, secret: 'parent-old' }),
    ).seal('x', 'session_key');
    expect(keyring.unseal(sealedByOld, 'session_key')?.source).toBe(
      'derived from WECOM_CORPS[0].previousSecrets[0]',
    );
    expect(hasConfiguredFallbacks({ dataKey: undefined, dataKeyFallbacks: [], corps })).toBe(true);
  });

  it('puts the configured key first, its fallbacks next, then every key a secret derives', () => {
    const keyring = dataKeyringOf({
      dataKey: base64Key(1),
      dataKeyFallbacks: [base64Key(2)],
      corps: [{ corpId: 'wwone', secret: 'only' }],
    });
    expect(keyring.sources).toEqual([
      'WECOM_AUTH_DATA_KEY',
      'WECOM_AUTH_DATA_KEY_FALLBACKS[0]',
      'derived from the secret of wwone',
    ]);
    const derived = createDataSealer(deriveDataKey({ configuredKey: undefined, secret: 'only' }));
    expect(keyring.unseal(derived.seal('x', 'signing_key'), 'signing_key')?.keyIndex).toBe(2);
    expect(createDataSealer(Buffer.alloc(32, 1)).open(keyring.seal('y', 'signing_key'), 'signing_key')).toBe(
      'y',
    );
    expect(
      hasConfiguredFallbacks({
        dataKey: base64Key(1),
        dataKeyFallbacks: [],
        corps: [{ corpId: 'wwone', secret: 'only' }],
      }),
    ).toBe(false);
  });
});

describe('resealRecords', () => {
  const oldKey = key();
  const newKey = key();
  const keyring = createDataKeyring([
    { key: newKey, source: 'WECOM_AUTH_DATA_KEY' },
    { key: oldKey, source: 'WECOM_AUTH_DATA_KEY_FALLBACKS[0]' },
  ]);
  const old = createDataSealer(oldKey);
  const lost = createDataSealer(key());

  function session(id: string, sealed: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
    const at = Date.now();
    return {
      id,
      corpId: 'wwcorp',
      userId: id,
      refreshTokenHash: `hash-${id}`,
      sessionKeyCiphertext: sealed,
      createdAt: at,
      refreshedAt: at,
      expiresAt: at + 3_600_000,
      ...overrides,
    };
  }

  it('reseals what a fallback opens, counts the rest, and leaves unreadable and revoked records alone', async () => {
    const store = createMemoryStore();
    await store.sessions.create(session('a', old.seal('key-a', 'session_key')));
    await store.sessions.create(session('b', keyring.seal('key-b', 'session_key')));
    await store.sessions.create(session('c', lost.seal('key-c', 'session_key')));
    await store.sessions.create(session('d', old.seal('key-d', 'session_key')));
    await store.sessions.revoke('d', 'logout', Date.now());
    await store.signingKeys.ensureActive({
      kid: 'kid-1',
      alg: 'ES256',
      publicJwk: {},
      privateJwk: { sealed: old.seal('{"d":"x"}', 'signing_key') },
      createdAt: Date.now(),
    });
    const kinds = resealableKindsOf(store, Date.now);

    const census = await resealRecords({ kinds, keyring, census: true });
    expect(census.session_key).toEqual({
      current: 1,
      resealed: 0,
      underFallback: 1,
      changedMeanwhile: 0,
      unreadable: 1,
      bySource: { 'WECOM_AUTH_DATA_KEY_FALLBACKS[0]': 1 },
    });
    expect(census.signing_key?.underFallback).toBe(1);
    // A census changes nothing: the record is still under the fallback.
    expect(
      keyring.unseal((await store.sessions.get('a'))?.sessionKeyCiphertext ?? '', 'session_key')?.keyIndex,
    ).toBe(1);

    const report = await resealRecords({ kinds, keyring });
    expect(totalOf(report, 'resealed')).toBe(2);
    expect(totalOf(report, 'unreadable')).toBe(1);
    const resealedA = (await store.sessions.get('a'))?.sessionKeyCiphertext ?? '';
    expect(createDataSealer(newKey).open(resealedA, 'session_key')).toBe('key-a');
    const [signingKey] = await store.signingKeys.list();
    expect(createDataSealer(newKey).open(String(signingKey?.privateJwk.sealed), 'signing_key')).toBe(
      '{"d":"x"}',
    );
    // The revoked session was not touched: it never decrypts again.
    expect(old.open((await store.sessions.get('d'))?.sessionKeyCiphertext ?? '', 'session_key')).toBe(
      'key-d',
    );

    const again = await resealRecords({ kinds, keyring });
    expect(again.session_key).toMatchObject({ current: 2, resealed: 0, unreadable: 1 });
    expect(again.signing_key).toMatchObject({ current: 1, resealed: 0 });
  });

  it('does not overwrite a record that changed between its read and its rewrite', async () => {
    const replaced: string[] = [];
    const racing: ResealableKind = {
      name: 'racing',
      purpose: 'session_key',
      async *records() {
        yield { id: 'x', sealed: old.seal('stale', 'session_key') };
      },
      async replace(record) {
        replaced.push(record.id);
        return false;
      },
    };
    const report = await resealRecords({ kinds: [racing], keyring });
    expect(report.racing).toMatchObject({ resealed: 0, changedMeanwhile: 1, underFallback: 1 });
    expect(replaced).toEqual(['x']);
  });

  it('takes new kinds through a registry, refusing a name twice', () => {
    const store = createMemoryStore();
    const registry = new ResealRegistry(resealableKindsOf(store, Date.now));
    expect(registry.kinds.map((kind) => kind.name)).toEqual(['signing_key', 'session_key']);
    const extra: ResealableKind = {
      name: 'permanent_code',
      purpose: 'session_key',
      async *records() {},
      replace: async () => true,
    };
    registry.register(extra);
    expect(registry.kinds.map((kind) => kind.name)).toEqual(['signing_key', 'session_key', 'permanent_code']);
    expect(() => registry.register(extra)).toThrow('a resealable kind permanent_code is registered already');
  });
});

describe('TokenIssuer with a signing key no configured key opens', () => {
  const opened: TokenIssuer[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((issuer) => issuer.close()));
  });

  const issuerOptions = (sealerKey: Buffer, store: ReturnType<typeof createMemoryStore>) => ({
    keys: store.signingKeys,
    sealer: createDataSealer(sealerKey),
    issuer: 'wecom-auth',
    audience: 'wecom-auth',
    ttlSeconds: 900,
    now: Date.now,
  });

  it('rejects by default, naming what to check', async () => {
    const store = createMemoryStore();
    opened.push(await TokenIssuer.create(issuerOptions(key(), store)));
    await expect(TokenIssuer.create(issuerOptions(key(), store))).rejects.toThrow(
      'the active signing key cannot be opened with the configured data keys',
    );
  });

  it('retires it and signs with a fresh key when told to, and the old tokens still verify', async () => {
    const store = createMemoryStore();
    const before = await TokenIssuer.create(issuerOptions(key(), store));
    opened.push(before);
    const subject = { userId: 'zhangsan', corpId: 'wwcorp', sessionId: 's1' };
    const { token } = await before.sign(subject);
    const [lostKey] = await store.signingKeys.list();

    const retired: string[] = [];
    const after = await TokenIssuer.create({
      ...issuerOptions(key(), store),
      onUnreadableActiveKey: (kid) => retired.push(kid),
    });
    opened.push(after);
    expect(retired).toEqual([lostKey?.kid]);
    const keys = await store.signingKeys.list();
    expect(keys).toHaveLength(2);
    expect(keys.find((record) => record.kid === lostKey?.kid)?.retiredAt).toEqual(expect.any(Number));
    expect(after.jwks().keys.map((jwk) => jwk.kid)).toContain(lostKey?.kid);
    expect(await after.verify(token)).toMatchObject(subject);
    const fresh = await after.sign(subject);
    expect(await after.verify(fresh.token)).toMatchObject(subject);
  });
});
