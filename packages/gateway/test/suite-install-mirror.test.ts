import { createMemoryStore, type SuiteInstallRecord, type SuiteStore } from '@wecom-auth/store';
import { describe, expect, it } from 'vitest';
import { SuiteInstallMirror } from '../src/tenants/suite-install-mirror.js';

const suiteId = 'wwsuite00000001';

function install(corpId: string, overrides: Partial<SuiteInstallRecord> = {}): SuiteInstallRecord {
  return {
    suiteId,
    corpId,
    corpName: `Corp ${corpId}`,
    permanentCodeCiphertext: `sealed-${corpId}`,
    authInfo: '{}',
    installedAt: 1_000,
    updatedAt: 1_000,
    eventTimestamp: 1,
    ...overrides,
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

async function until(condition: () => boolean, timeoutMs = 2_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return true;
}

/**
 * A memory store's suite port whose reads can be made to fail or to wait.
 */
function controllableSuites() {
  const store = createMemoryStore();
  const control = {
    failInstallReads: false,
    failListings: 0,
    listings: 0,
    /** While set, a listing reads the store at once and answers when this resolves. */
    gate: undefined as Promise<void> | undefined,
  };
  const suites: Pick<SuiteStore, 'listInstalls' | 'install' | 'subscribeInstalls'> = {
    async listInstalls(...args) {
      control.listings += 1;
      if (control.failListings > 0) {
        control.failListings -= 1;
        throw new Error('listing timed out');
      }
      const page = await store.suites.listInstalls(...args);
      await control.gate;
      return page;
    },
    async install(...args) {
      if (control.failInstallReads) throw new Error('read timed out');
      return store.suites.install(...args);
    },
    subscribeInstalls: (listener) => store.suites.subscribeInstalls(listener),
  };
  return { store, suites, control };
}

describe('SuiteInstallMirror', () => {
  it('reads every install at start, page by page, and follows installs and uninstalls made elsewhere', async () => {
    const store = createMemoryStore();
    for (let i = 0; i < 2_500; i++)
      await store.suites.saveInstall(install(`wwcorp${String(i).padStart(5, '0')}`));
    const changed: string[] = [];
    const mirror = new SuiteInstallMirror({
      suiteId,
      suites: store.suites,
      onChange: (corpId) => changed.push(corpId),
      onError: (error) => {
        throw error;
      },
    });
    expect(mirror.ready).toBe(false);
    await mirror.start();
    expect(mirror.ready).toBe(true);
    expect(mirror.size).toBe(2_500);
    expect(mirror.get('wwcorp02499')?.permanentCodeCiphertext).toBe('sealed-wwcorp02499');

    await store.suites.saveInstall(install('wwnewcorp', { eventTimestamp: 5 }));
    await settle();
    expect(mirror.get('wwnewcorp')?.corpName).toBe('Corp wwnewcorp');
    await store.suites.removeInstall(suiteId, 'wwcorp00000', 6, 2_000);
    await settle();
    expect(mirror.get('wwcorp00000')).toBeUndefined();
    expect(mirror.size).toBe(2_500);
    expect(changed).toEqual(expect.arrayContaining(['wwnewcorp', 'wwcorp00000']));
    await mirror.stop();
  });

  it('ignores other suites, and an uninstall is never undone by a read that started before it', async () => {
    const store = createMemoryStore();
    const mirror = new SuiteInstallMirror({
      suiteId,
      suites: {
        ...store.suites,
        listInstalls: (...args) => store.suites.listInstalls(...args),
        subscribeInstalls: (...args) => store.suites.subscribeInstalls(...args),
        // A slow read: the install is read after the uninstall that follows it was applied.
        install: async (...args) => {
          const record = await store.suites.install(...args);
          await new Promise((resolve) => setTimeout(resolve, 30));
          return record ?? install(args[1]);
        },
      },
      onChange: () => {},
      onError: (error) => {
        throw error;
      },
    });
    await mirror.start();
    await store.suites.saveInstall(install('wwother', { suiteId: 'wwanothersuite' }));
    await store.suites.saveInstall(install('wwracing', { eventTimestamp: 2 }));
    await store.suites.removeInstall(suiteId, 'wwracing', 3, 2_000);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(mirror.get('wwracing')).toBeUndefined();
    expect(mirror.get('wwother')).toBeUndefined();
    await mirror.stop();
  });

  it('tries a failed re-read again until it succeeds, and reads the store once at a time however many feed reads fail', async () => {
    const { store, suites, control } = controllableSuites();
    const errors: unknown[] = [];
    const mirror = new SuiteInstallMirror({
      suiteId,
      suites,
      onChange: () => {},
      onError: (error) => errors.push(error),
      resyncRetry: { baseMs: 5, maxMs: 20 },
    });
    await mirror.start();
    expect(mirror.ready).toBe(true);
    const listingsBefore = control.listings;
    // A store too busy to answer: every read of the feed's changes fails, and so does every listing for a while.
    control.failInstallReads = true;
    control.failListings = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 200; i++)
      await store.suites.saveInstall(install(`wwburst${String(i).padStart(4, '0')}`));
    expect(await until(() => control.listings - listingsBefore >= 3)).toBe(true);
    expect(mirror.ready).toBe(false);
    // One listing at a time, paced by the back-off: not one full re-read per failed feed read.
    expect(control.listings - listingsBefore).toBeLessThan(10);
    control.failListings = 0;
    // The store answers again: the next retry reads everything, with nothing else happening.
    expect(await until(() => mirror.ready && mirror.size === 200)).toBe(true);
    expect(mirror.get('wwburst0199')?.corpName).toBe('Corp wwburst0199');
    // One report for the gap, then one per failed listing: not two hundred.
    expect(errors.length).toBeLessThan(12);
    await mirror.stop();
  });

  it('keeps a change applied while a re-read runs, even when the pages were read before it', async () => {
    const { store, suites, control } = controllableSuites();
    let signalGap = (): void => {};
    const mirror = new SuiteInstallMirror({
      suiteId,
      suites: {
        ...suites,
        async subscribeInstalls(listener, onResync) {
          signalGap = () => onResync?.();
          return suites.subscribeInstalls(listener);
        },
      },
      onChange: () => {},
      onError: (error) => {
        throw error;
      },
    });
    await store.suites.saveInstall(install('wwold'));
    await mirror.start();
    let release = (): void => {};
    control.gate = new Promise((resolve) => {
      release = resolve;
    });
    const listingsBefore = control.listings;
    // A gap (a reconnect): the mirror re-reads, and its listing reads the store now but answers later.
    signalGap();
    expect(await until(() => control.listings > listingsBefore)).toBe(true);
    expect(mirror.ready).toBe(false);
    await store.suites.saveInstall(install('wwlate', { eventTimestamp: 7 }));
    await store.suites.removeInstall(suiteId, 'wwold', 8, 2_000);
    await settle();
    expect(mirror.get('wwlate')).toBeDefined();
    release();
    control.gate = undefined;
    expect(await until(() => mirror.ready)).toBe(true);
    // The listing held wwold and not wwlate; what the feed applied meanwhile wins.
    expect(mirror.get('wwlate')?.corpName).toBe('Corp wwlate');
    expect(mirror.get('wwold')).toBeUndefined();
    expect(mirror.size).toBe(1);
    await mirror.stop();
  });

  it('stops without waiting for a pending retry', async () => {
    const { store, suites, control } = controllableSuites();
    const mirror = new SuiteInstallMirror({
      suiteId,
      suites,
      onChange: () => {},
      onError: () => {},
      resyncRetry: { baseMs: 60_000, maxMs: 60_000 },
    });
    await mirror.start();
    control.failInstallReads = true;
    control.failListings = 1_000;
    await store.suites.saveInstall(install('wwfailing'));
    expect(await until(() => control.failListings < 1_000)).toBe(true);
    const started = Date.now();
    await mirror.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(mirror.ready).toBe(false);
  });
});
