/**
 * The installs the tenants benchmark seeds: for every corp that has the suite installed in the sandbox, the
 * `SuiteInstallRecord` the gateway's instruction applier writes after exchanging a `create_auth` AuthCode (see
 * `SuiteInstructionApplier`): the corp's name, its permanent code sealed by the gateway's own sealer with the data key
 * the gateways run with, the authorisation as JSON, WeCom's TimeStamp. Only the permanent codes come from the
 * sandbox's install listing instead of `get_permanent_code` (see the header of `bench/tenants.ts` for why).
 */
import { createSuiteClient } from '@wecom-auth/api';
import { createDataSealer } from '@wecom-auth/gateway';
import type { Sandbox, SuiteOptions } from '@wecom-auth/sandbox';
import type { SuiteInstallRecord, SuiteStore } from '@wecom-auth/store';

/** One install as the sandbox lists it: what a provider's database holds after exchanging the AuthCode. */
export interface ListedInstall {
  readonly corpId: string;
  readonly corpName: string;
  readonly permanentCode: string;
}

/** Every active install of `suiteId`, with its permanent code, read a page at a time. */
export function listedInstalls(sandbox: Sandbox, suiteId: string): ListedInstall[] {
  const installs: ListedInstall[] = [];
  let cursor = '';
  do {
    const page = sandbox.control.suites.installs(suiteId, { cursor, limit: 1000 });
    for (const install of page.installs) {
      if (install.permanent_code === null) continue;
      installs.push({
        corpId: install.corpid,
        corpName: install.corpName,
        permanentCode: install.permanent_code,
      });
    }
    cursor = page.nextCursor;
  } while (cursor !== '');
  return installs;
}

/**
 * The authorisation (`auth_info`) of one install, as `get_auth_info` answers it and the gateway stores it. The
 * generated corps all have one root department and the same agent, so one answer stands for every corp. The call
 * goes through a client of this process (its own suite token, from a ticket the sandbox issues): the benchmark counts
 * the gateways' WeCom calls as differences, so these two are not among them.
 */
export async function authInfoOf(
  sandbox: Sandbox,
  suite: SuiteOptions,
  install: ListedInstall,
): Promise<string> {
  const { ticket } = await sandbox.control.suites.pushTicket(suite.suiteId);
  const client = createSuiteClient({
    suiteId: suite.suiteId,
    suiteSecret: suite.suiteSecret,
    tickets: { current: async () => ticket },
    baseUrl: sandbox.url,
  });
  const { authInfo } = await client.service.getAuthInfo(install.corpId, install.permanentCode);
  return JSON.stringify(authInfo);
}

/** The records of `installs`, their permanent codes sealed with `dataKey` (32 bytes) for purpose `permanent_code`. */
export function installRecords(input: {
  readonly suiteId: string;
  readonly installs: readonly ListedInstall[];
  readonly authInfo: string;
  readonly dataKey: Buffer;
  readonly now: number;
}): SuiteInstallRecord[] {
  const sealer = createDataSealer(input.dataKey);
  const timeStamp = Math.floor(input.now / 1000);
  return input.installs.map((install) => ({
    suiteId: input.suiteId,
    corpId: install.corpId,
    corpName: install.corpName,
    permanentCodeCiphertext: sealer.seal(install.permanentCode, 'permanent_code'),
    authInfo: input.authInfo,
    installedAt: input.now,
    updatedAt: input.now,
    eventTimestamp: timeStamp,
  }));
}

/** Many writes in flight at once: Redis pipelines them on one connection, SQLite commits them in groups. */
const IN_FLIGHT = 256;

/** Saves every record through the store's suite port, as the instruction applier does; throws on a stale one. */
export async function saveInstalls(
  suites: Pick<SuiteStore, 'saveInstall'>,
  records: readonly SuiteInstallRecord[],
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < records.length) {
      const record = records[next++] as SuiteInstallRecord;
      const outcome = await suites.saveInstall(record);
      if (outcome !== 'stored') throw new Error(`install of ${record.corpId} answered ${outcome}`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
}
