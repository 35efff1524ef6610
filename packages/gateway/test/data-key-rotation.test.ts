/**
 * Every rotation keeps the service up and the sessions alive, on SQLite and on Redis: the WeCom secret (with the data
 * key derived from it), the data key itself (by the background pass, and by `rotate-data-key`), the move from the
 * derived key to `WECOM_AUTH_DATA_KEY`, and the signing key. A session survives when its access token still verifies,
 * its refresh token still rotates and its session_key still decrypts what WeCom encrypted for it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandbox, DEMO_APP, type Sandbox } from '@wecom-auth/sandbox';
import { openStore } from '@wecom-auth/store';
import {
  demoGatewayEnv,
  eventually,
  flushDatabase,
  type GatewayUnderTest,
  redisForTests,
  runGatewayCli,
  setDemoAppSecret,
  startGatewayUnderTest,
} from '@wecom-auth/testing';
import { decodeProtectedHeader } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dataKeyringOf } from '../src/config/data-keys.js';
import { loadConfig } from '../src/config/load-config.js';
import { storeConfigFrom } from '../src/config/store-config.js';
import { rotateDataKey } from '../src/data-key-rotation.js';
import { rotateSigningKeys } from '../src/key-rotation.js';
import { resealRecords } from '../src/sessions/data-resealer.js';
import { resealableKindsOf } from '../src/sessions/resealable-records.js';

const redis = await redisForTests('the data key rotation tests', 2);

const NEW_SECRET = 'demo-secret-after-rotation';
const key = (byte: number): string => Buffer.alloc(32, byte).toString('base64');

interface LiveSession {
  readonly userid: string;
  accessToken: string;
  refreshToken: string;
}

describe.each([
  ['SQLite', false],
  ['Redis', true],
])('rotations on %s', (_name, onRedis) => {
  let sandbox: Sandbox;
  let dataDir: string;
  let gateway: GatewayUnderTest | undefined;

  beforeAll(async () => {
    sandbox = await createSandbox({ port: 0 });
  });
  afterAll(async () => {
    await sandbox?.close();
  });
  beforeEach(async (context) => {
    if (onRedis && redis.unreachable) context.skip();
    dataDir = mkdtempSync(join(tmpdir(), 'wecom-auth-rotation-'));
    if (onRedis) await flushDatabase(redis.url);
    await setDemoAppSecret(sandbox.url, DEMO_APP.secret);
  });
  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The settings of one gateway generation, on the test's store. */
  const storeEnv = (): Record<string, string> =>
    onRedis ? { REDIS_URL: redis.url } : { WECOM_AUTH_DB: join(dataDir, 'gateway.db') };

  async function start(env: Record<string, string>): Promise<GatewayUnderTest> {
    await gateway?.close();
    gateway = await startGatewayUnderTest({
      sharedSandbox: sandbox,
      dataDir,
      ...(onRedis ? { redisUrl: redis.url } : {}),
      env: { LOG_LEVEL: 'info', ...env },
    });
    return gateway;
  }

  async function logIn(g: GatewayUnderTest, userid: string): Promise<LiveSession> {
    const body = await g.login(userid);
    return { userid, accessToken: String(body.accessToken), refreshToken: String(body.refreshToken) };
  }

  /** Asserts the session is alive on `g`: its token verifies, it decrypts, and its refresh token rotates. */
  async function expectAlive(g: GatewayUnderTest, session: LiveSession): Promise<void> {
    const verified = await g.call('GET', '/v1/verify', { token: session.accessToken });
    expect(verified.status).toBe(204);
    const sealed = g.sandbox.control.encrypt({ userid: session.userid, kind: 'mobile' });
    const decrypted = await g.call('POST', '/v1/me/decrypt', {
      token: session.accessToken,
      body: { encryptedData: sealed.encryptedData, iv: sealed.iv },
    });
    expect(decrypted.status).toBe(200);
    expect(decrypted.body).toMatchObject({ kind: 'mobile', source: 'wecom' });
    const refreshed = await g.call('POST', '/v1/sessions/refresh', {
      body: { refreshToken: session.refreshToken },
    });
    expect(refreshed.status).toBe(200);
    session.accessToken = String(refreshed.body?.accessToken);
    session.refreshToken = String(refreshed.body?.refreshToken);
    expect((await g.call('GET', '/v1/me', { token: session.accessToken })).status).toBe(200);
  }

  /** How many sealed records each key of `env`'s keyring opens: resealed means all of them under index 0. */
  async function sealedUnder(env: Record<string, string>): Promise<Record<string, number[]>> {
    const config = loadConfig({ env: { ...demoGatewayEnv(sandbox.url), ...storeEnv(), ...env } });
    const credentials = config.credentials;
    if (!credentials) throw new Error('credentials expected');
    const keyring = dataKeyringOf({ ...config, corps: credentials.corps });
    const store = openStore(storeConfigFrom(config));
    try {
      const census: Record<string, number[]> = {};
      for (const kind of resealableKindsOf(store, Date.now)) {
        const indexes: number[] = [];
        for await (const record of kind.records()) {
          indexes.push(keyring.unseal(record.sealed, kind.purpose)?.keyIndex ?? -1);
        }
        census[kind.name] = indexes.sort();
      }
      return census;
    } finally {
      await store.close();
    }
  }

  /** True once the store holds `sessionCount` live sessions and every sealed record is under `env`'s current key. */
  async function allUnderCurrentKey(env: Record<string, string>, sessionCount: number): Promise<boolean> {
    const census = await sealedUnder(env);
    return (
      census.session_key?.length === sessionCount &&
      Object.values(census).every((indexes) => indexes.every((index) => index === 0))
    );
  }

  it('the WeCom secret: with the old one as a fallback every session survives, and is resealed for the day it goes', async () => {
    const first = await start({});
    const sessions = [await logIn(first, 'zhangsan'), await logIn(first, 'lisi')];
    await first.close();

    await setDemoAppSecret(sandbox.url, NEW_SECRET);
    const rotated = { WECOM_SECRET: NEW_SECRET, WECOM_SECRET_FALLBACKS: DEMO_APP.secret };
    const second = await start(rotated);
    for (const session of sessions) await expectAlive(second, session);
    await logIn(second, 'zhouba');
    // The background pass moves everything under the key of the new secret.
    expect(await eventually(() => allUnderCurrentKey(rotated, 3), 10_000)).toBe(true);
    expect(second.logs.join('\n')).toContain(
      'resealed under the current data key what the fallback keys opened',
    );
    expect(second.logs.join('\n')).not.toContain('data_key_lost');
    await second.close();

    const third = await start({ WECOM_SECRET: NEW_SECRET });
    for (const session of sessions) await expectAlive(third, session);
    expect(third.logs.join('\n')).not.toContain('data_key_lost');
    expect(third.logs.join('\n')).not.toContain(NEW_SECRET);
    expect(third.logs.join('\n')).not.toContain(DEMO_APP.secret);
  });

  it('the data key: rotate-data-key reseals at once, after which the old key can go', async () => {
    const first = await start({ WECOM_AUTH_DATA_KEY: key(1) });
    const sessions = [await logIn(first, 'zhangsan'), await logIn(first, 'chenjing')];
    await first.close();

    const rotated = { WECOM_AUTH_DATA_KEY: key(2), WECOM_AUTH_DATA_KEY_FALLBACKS: key(1) };
    const config = loadConfig({ env: { ...demoGatewayEnv(sandbox.url), ...storeEnv(), ...rotated } });
    const dryRun = await rotateDataKey({ config, dryRun: true });
    expect(dryRun.report.session_key).toMatchObject({ underFallback: 2, resealed: 0 });
    const { dataKey, report } = await rotateDataKey({ config });
    expect(dataKey).toBe('WECOM_AUTH_DATA_KEY');
    expect(report.signing_key).toMatchObject({ resealed: 1, unreadable: 0 });
    expect(report.session_key).toMatchObject({
      resealed: 2,
      unreadable: 0,
      bySource: { 'WECOM_AUTH_DATA_KEY_FALLBACKS[0]': 2 },
    });
    expect(await sealedUnder({ WECOM_AUTH_DATA_KEY: key(2) })).toEqual({
      signing_key: [0],
      session_key: [0, 0],
    });

    const second = await start({ WECOM_AUTH_DATA_KEY: key(2) });
    for (const session of sessions) await expectAlive(second, session);
    expect(second.logs.join('\n')).not.toContain('data_key_lost');
  });

  it('rotate-data-key from the command line reports what it did, and exits 1 on what no key opens', async () => {
    const first = await start({ WECOM_AUTH_DATA_KEY: key(8) });
    await logIn(first, 'zhangsan');
    await first.close();
    const env = { ...demoGatewayEnv(sandbox.url), ...storeEnv(), LOG_LEVEL: 'warn' };
    const rotated = await runGatewayCli(['rotate-data-key'], {
      ...env,
      WECOM_AUTH_DATA_KEY: key(9),
      WECOM_AUTH_DATA_KEY_FALLBACKS: key(8),
    });
    expect(rotated).toEqual({
      code: 0,
      output: [
        'Resealed under WECOM_AUTH_DATA_KEY:',
        '  signing_key    1 resealed, 0 already current, 0 unreadable',
        '  session_key    1 resealed, 0 already current, 0 unreadable',
        '',
      ].join('\n'),
    });
    const lost = await runGatewayCli(['rotate-data-key', '--dry-run'], {
      ...env,
      WECOM_AUTH_DATA_KEY: key(10),
    });
    expect(lost.code).toBe(1);
    expect(lost.output).toContain('  session_key    0 to reseal, 0 already current, 1 unreadable');
    expect(lost.output).toContain('records open with none of the configured keys');
    expect(lost.output).not.toContain(key(10));
  });

  it('the data key: running gateways reseal in the background while the old key is a fallback', async () => {
    const first = await start({ WECOM_AUTH_DATA_KEY: key(3) });
    const sessions = [await logIn(first, 'zhangsan')];
    const rotated = { WECOM_AUTH_DATA_KEY: key(4), WECOM_AUTH_DATA_KEY_FALLBACKS: key(3) };
    const second = await start(rotated);
    for (const session of sessions) await expectAlive(second, session);
    expect(await eventually(() => allUnderCurrentKey(rotated, 1), 10_000)).toBe(true);
  });

  it('moving from the derived key to WECOM_AUTH_DATA_KEY loses nothing, with no fallback to configure', async () => {
    const first = await start({});
    const sessions = [await logIn(first, 'zhangsan')];
    const second = await start({ WECOM_AUTH_DATA_KEY: key(5) });
    for (const session of sessions) await expectAlive(second, session);
    // The signing key was found under the derived key, so the pass ran without a configured fallback.
    expect(await eventually(() => allUnderCurrentKey({ WECOM_AUTH_DATA_KEY: key(5) }, 1), 10_000)).toBe(true);
  });

  it('the signing key: rotate-keys while sessions live, and they go on with tokens of the new key', async () => {
    const first = await start({});
    const session = await logIn(first, 'zhangsan');
    const oldKid = decodeProtectedHeader(session.accessToken).kid;
    const config = loadConfig({ env: { ...demoGatewayEnv(sandbox.url), ...storeEnv() } });
    const { activeKid } = await rotateSigningKeys({ config });
    expect(activeKid).not.toBe(oldKid);
    const second = await start({});
    await expectAlive(second, session);
    expect(decodeProtectedHeader(session.accessToken).kid).toBe(activeKid);
    const jwks = (await second.call('GET', '/.well-known/jwks.json')).body as { keys: { kid: string }[] };
    expect(jwks.keys.map((jwk) => jwk.kid).sort()).toEqual([activeKid, oldKid].sort());
  });

  it('counts what no configured key opens, without touching it', async () => {
    const first = await start({ WECOM_AUTH_DATA_KEY: key(6) });
    await logIn(first, 'zhangsan');
    await first.close();
    const config = loadConfig({
      env: { ...demoGatewayEnv(sandbox.url), ...storeEnv(), WECOM_AUTH_DATA_KEY: key(7) },
    });
    const credentials = config.credentials;
    if (!credentials) throw new Error('credentials expected');
    const store = openStore(storeConfigFrom(config));
    try {
      const report = await resealRecords({
        kinds: resealableKindsOf(store, Date.now),
        keyring: dataKeyringOf({ ...config, corps: credentials.corps }),
      });
      expect(report.session_key).toMatchObject({ unreadable: 1, resealed: 0 });
      expect(report.signing_key).toMatchObject({ unreadable: 1, resealed: 0 });
    } finally {
      await store.close();
    }
  });
});
