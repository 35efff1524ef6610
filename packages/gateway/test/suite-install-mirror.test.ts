import { createMemoryStore, type SuiteInstallRecord } from '@wecom-auth/store';
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
});
