/**
 * What the login retry store of the SQLite and memory stores costs a login once it holds its bound of keys (20,000:
 * a minute of logins at 330 a second, reached in seconds under load): a claim and its answer per login, against two
 * references measured in the same run, alternated: a bare `Map` taking the same key and value with no bound (the
 * floor), and a bounded `Map` dropping its oldest key for each new one, as the store did before. A `Map` keeps the
 * places of deleted keys until it is rehashed, and a walk from its first key steps over each, so that eviction
 * costs a number of steps that grows with the bound.
 *
 *   npm run bench:retries -- [logins per round] [rounds]   (defaults 200000 and 5)
 */
import { createMemoryStore } from '@wecom-auth/store';
import { fixed, median, table } from './measure.js';

const logins = Number(process.argv[2] ?? 200_000);
const rounds = Number(process.argv[3] ?? 5);
/** The store's bound (`DEFAULT_MAX_LOGIN_RETRY_ENTRIES` in `memory-login-retry-store.ts`). */
const bound = 20_000;
const answer = 'a kept answer';

/** µs per login of `login` over `logins` logins, after as many to fill the bound. */
async function perLogin(login: (key: string, at: number) => Promise<void> | void): Promise<number> {
  for (let index = 0; index < bound; index += 1) await login(`warm-${index}`, index);
  const started = process.hrtime.bigint();
  for (let index = 0; index < logins; index += 1) await login(`key-${index}`, bound + index);
  return Number(process.hrtime.bigint() - started) / 1_000 / logins;
}

const subjects = {
  /** The store itself: `claim`, then `fulfil`, on a clock that moves half a millisecond a login. */
  store: async (): Promise<number> => {
    let now = 0;
    const { loginRetries } = createMemoryStore({ now: () => now });
    return perLogin(async (key, at) => {
      now = at / 2;
      await loginRetries.claim(key, 'holder', 20_000);
      await loginRetries.fulfil(key, 'holder', answer, 60_000);
    });
  },
  /** The floor: the same two writes to a `Map`, unbounded. */
  bareMap: async (): Promise<number> => {
    const entries = new Map<string, string>();
    return perLogin(async (key) => {
      entries.set(key, 'holder');
      entries.delete(key);
      entries.set(key, answer);
    });
  },
  /** The eviction the store had: each write over the bound drops the oldest key, walking from the first. */
  oldestPerWrite: async (): Promise<number> => {
    const entries = new Map<string, string>();
    const put = (key: string, value: string): void => {
      entries.delete(key);
      entries.set(key, value);
      for (const oldest of entries.keys()) {
        if (entries.size <= bound) break;
        entries.delete(oldest);
      }
    };
    return perLogin(async (key) => {
      put(key, 'holder');
      put(key, answer);
    });
  },
};

const results: Record<keyof typeof subjects, number[]> = { store: [], bareMap: [], oldestPerWrite: [] };
for (let round = 0; round < rounds; round += 1) {
  const order = Object.keys(subjects) as (keyof typeof subjects)[];
  if (round % 2 === 1) order.reverse();
  for (const name of order) results[name].push(await subjects[name]());
}

const row = (name: string, values: readonly number[]): string[] => [
  name,
  fixed(Math.min(...values), 2),
  fixed(median(values), 2),
  fixed(Math.max(...values), 2),
  fixed(median(values) / median(results.bareMap), 1),
];
console.log(
  `Login retries at their bound of ${bound} keys: µs per login (a claim and its answer), ${rounds} alternated rounds of ${logins} logins, Node ${process.version}\n`,
);
console.log(
  table(
    ['', 'min', 'median', 'max', '× bare Map'],
    [
      row('memory / SQLite store loginRetries', results.store),
      row('bare Map, no bound (floor)', results.bareMap),
      row('Map dropping its oldest key per write (before)', results.oldestPerWrite),
    ],
  ),
);
