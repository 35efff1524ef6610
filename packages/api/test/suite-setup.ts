/**
 * A suite client wired to a scripted WeCom, with a clock the test moves, a ticket source the test changes, and every
 * log line and token fetch collected.
 */
import {
  type AccessTokenStore,
  createMemoryAccessTokenStore,
  createSuiteClient,
  type SuiteTokenFetch,
  type WecomLogger,
  type WecomSuiteClient,
  type WecomSuiteClientSettings,
} from '@wecom-auth/api';
import { createScriptedWecom, scriptedSuite } from './scripted-wecom.js';

export const baseUrl = 'https://qyapi.weixin.qq.com';
export const suiteTokenPath = '/cgi-bin/service/get_suite_token';
export const corpTokenPath = '/cgi-bin/service/get_corp_token';
export const suiteLoginPath = '/cgi-bin/service/miniprogram/jscode2session';

/** A clock shared by the clients and the store of one test. */
export function testClock(start = 1_700_000_000_000) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

export type TestClock = ReturnType<typeof testClock>;

/** A logger that keeps every line as the JSON a pino logger would write. */
export function collectingLogger(): { logger: WecomLogger; lines: string[] } {
  const lines: string[] = [];
  const log =
    (level: string): WecomLogger['info'] =>
    (object, message) =>
      lines.push(JSON.stringify({ level, message, ...object }));
  return {
    lines,
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
  };
}

export interface SuiteSetupOptions {
  readonly wecom?: ReturnType<typeof createScriptedWecom>;
  readonly clock?: TestClock;
  readonly store?: AccessTokenStore;
  readonly settings?: WecomSuiteClientSettings;
}

export function suiteSetup(options: SuiteSetupOptions = {}) {
  const clock = options.clock ?? testClock();
  const wecom = options.wecom ?? createScriptedWecom();
  const store = options.store ?? createMemoryAccessTokenStore({ now: clock.now });
  const { logger, lines: logLines } = collectingLogger();
  const fetches: SuiteTokenFetch[] = [];
  /** What the ticket source answers; the test changes it as the instruction callback would. */
  const ticket: { value: string | undefined; reads: number } = { value: scriptedSuite.suiteTicket, reads: 0 };
  const suite: WecomSuiteClient = createSuiteClient({
    suiteId: scriptedSuite.suiteId,
    suiteSecret: scriptedSuite.suiteSecret,
    tickets: {
      current: async () => {
        ticket.reads += 1;
        return ticket.value;
      },
    },
    baseUrl,
    transport: wecom.transport,
    store,
    now: clock.now,
    retry: { baseDelayMs: 0 },
    logger,
    onTokenFetch: (fetch) => fetches.push(fetch),
    ...options.settings,
  });
  return { wecom, suite, store, clock, logLines, fetches, ticket };
}
