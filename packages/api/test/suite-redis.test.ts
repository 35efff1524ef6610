/**
 * The suite token and the corp tokens shared through Redis: suite clients that each have their own connection to
 * Redis (as separate processes do) fetch each token once, through the store's lock and change notifications.
 */
import { createSuiteClient, type SuiteTokenFetch, type WecomSuiteClient } from '@wecom-auth/api';
import { createRedisStore, type Store } from '@wecom-auth/store';
import { flushDatabase, redisForTests } from '@wecom-auth/testing';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createScriptedWecom, json, type ScriptedInstall, scriptedSuite } from './scripted-wecom.js';
import { corpTokenPath, suiteLoginPath, suiteTokenPath } from './suite-setup.js';

const redis = await redisForTests('the suite tokens on Redis', 0);
const [corpA, corpB] = scriptedSuite.corps as [ScriptedInstall, ScriptedInstall];
const stores: Store[] = [];

function processOn(
  wecom: ReturnType<typeof createScriptedWecom>,
  fetches: SuiteTokenFetch[],
): WecomSuiteClient {
  const store = createRedisStore({ url: redis.url, commandTimeoutMs: 2_000 });
  stores.push(store);
  return createSuiteClient({
    suiteId: scriptedSuite.suiteId,
    suiteSecret: scriptedSuite.suiteSecret,
    tickets: { current: async () => scriptedSuite.suiteTicket },
    transport: wecom.transport,
    store: store.accessTokens,
    retry: { baseDelayMs: 0 },
    onTokenFetch: (fetch) => fetches.push(fetch),
  });
}

describe.skipIf(redis.unreachable)('suite and corp tokens shared through Redis', () => {
  beforeEach(async () => {
    await flushDatabase(redis.url);
  });

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });

  afterAll(async () => {
    await flushDatabase(redis.url);
  });

  it('three processes, 300 concurrent logins and corp calls: one suite token, one corp token per corp', async () => {
    const wecom = createScriptedWecom();
    // Slow token answers, so that every process asks while the first fetch is still under way.
    const transport: typeof wecom.transport = async (request) => {
      if (request.apiPath === suiteTokenPath || request.apiPath === corpTokenPath) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return wecom.transport(request);
    };
    const fetches: SuiteTokenFetch[] = [];
    const processes = [1, 2, 3].map(() => processOn({ ...wecom, transport }, fetches));
    await Promise.all(
      Array.from({ length: 300 }, (_, i) => {
        const suite = processes[i % 3] as WecomSuiteClient;
        if (i % 3 === 0) return suite.miniprogram.code2Session(`code-${i}`);
        const install = i % 2 === 0 ? corpA : corpB;
        return suite
          .corpClient({ corpId: install.corpId, permanentCode: install.permanentCode })
          .user.get('u');
      }),
    );
    expect(wecom.count(suiteTokenPath)).toBe(1);
    expect(wecom.count(corpTokenPath)).toBe(2);
    expect(fetches.map((f) => `${f.kind}:${f.corpId ?? ''}:${f.ok}`).sort()).toEqual(
      [`corp:${corpA.corpId}:true`, `corp:${corpB.corpId}:true`, 'suite::true'].sort(),
    );
  });

  it('a suite token refused in one process is replaced once for all of them', async () => {
    const wecom = createScriptedWecom();
    const fetches: SuiteTokenFetch[] = [];
    const [one, two] = [processOn(wecom, fetches), processOn(wecom, fetches)] as [
      WecomSuiteClient,
      WecomSuiteClient,
    ];
    await Promise.all([one.miniprogram.code2Session('a'), two.miniprogram.code2Session('b')]);
    wecom.queue(suiteLoginPath, () => json({ errcode: 40082, errmsg: 'invalid suite_acccess_token' }));
    await one.miniprogram.code2Session('c');
    await Promise.all(Array.from({ length: 20 }, (_, i) => two.miniprogram.code2Session(`d-${i}`)));
    expect(wecom.count(suiteTokenPath)).toBe(2);
    expect(await two.suiteToken.getToken()).toBe('suite-token-2');
  });
});
