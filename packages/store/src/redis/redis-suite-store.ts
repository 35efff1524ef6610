import type { SuiteInstallRecord, SuiteStore, SuiteTicketRecord } from '../ports.js';
import {
  assertCorpId,
  assertInstallPage,
  assertInstallRecord,
  assertRemoval,
  assertSuiteId,
  assertTicketRecord,
} from '../suite-rules.js';
import type { RedisStoreContext } from './redis-context.js';
import { toFields } from './redis-replies.js';
import { LIST_INSTALLS, OFFER_TICKET, REMOVE_INSTALL, SAVE_INSTALL } from './redis-scripts.js';
import type { InstallListener } from './redis-subscriber.js';
import { encodeSuiteId } from './suite-id-encoding.js';

function toTicket(fields: Record<string, string>): SuiteTicketRecord | undefined {
  const { suiteId, ticket, timestamp, receivedAt } = fields;
  if (suiteId === undefined || ticket === undefined || timestamp === undefined || receivedAt === undefined) {
    return undefined;
  }
  return { suiteId, ticket, timestamp: Number(timestamp), receivedAt: Number(receivedAt) };
}

/** The install a corp's hash holds; undefined for a tombstone (it has no permanent code) or a missing hash. */
function toInstall(fields: Record<string, string>): SuiteInstallRecord | undefined {
  const { suiteId, corpId, corpName, permanentCodeCiphertext, authInfo } = fields;
  if (
    suiteId === undefined ||
    corpId === undefined ||
    corpName === undefined ||
    permanentCodeCiphertext === undefined ||
    authInfo === undefined ||
    fields.uninstalledAt !== undefined
  ) {
    return undefined;
  }
  return {
    suiteId,
    corpId,
    corpName,
    permanentCodeCiphertext,
    authInfo,
    installedAt: Number(fields.installedAt),
    updatedAt: Number(fields.updatedAt),
    eventTimestamp: Number(fields.eventTimestamp),
  };
}

/**
 * The suite port of the Redis store. Each suite has keys of its own under `<prefix>suite:<suiteId>:` (see
 * `redis-keyspace.ts`), in one slot of a Cluster; the writes that order events (offerTicket, saveInstall,
 * removeInstall) are one Lua script each, so one round trip and atomic across instances. Install changes travel on
 * `<prefix>suite-installs` to `listeners` through the store's one subscriber. A tombstone carries a TTL that ends
 * `tombstoneRetentionMs` after its uninstall.
 */
export function createRedisSuiteStore(
  context: RedisStoreContext,
  subscribe: () => Promise<void>,
  listeners: Set<InstallListener>,
  tombstoneRetentionMs: number,
): SuiteStore {
  const { keys, run, now, replicate } = context;
  const channel = keys.installsChannel;
  const installKeys = (suiteId: string, corpId: string): string[] => [
    keys.suiteInstall(suiteId, corpId),
    keys.suiteCorps(suiteId),
  ];
  const messageTail = (at: number, suiteId: string, corpId: string): string =>
    `${at}:${encodeSuiteId(suiteId)}:${corpId}`;

  return {
    async offerTicket(record) {
      assertTicketRecord(record);
      const ticketKey = keys.suiteTicket(record.suiteId);
      const reply = await run((redis) =>
        OFFER_TICKET.run(
          redis,
          [ticketKey],
          [record.suiteId, record.ticket, record.timestamp, record.receivedAt],
        ),
      );
      if (reply === 'stored') await replicate();
      return reply === 'stored' ? 'stored' : 'stale';
    },
    async ticket(suiteId) {
      assertSuiteId('ticket', suiteId);
      return toTicket(await run((redis) => redis.hgetall(keys.suiteTicket(suiteId))));
    },
    async saveInstall(record) {
      assertInstallRecord(record);
      const written = installKeys(record.suiteId, record.corpId);
      const reply = await run((redis) =>
        SAVE_INSTALL.run(redis, written, [
          channel,
          record.suiteId,
          record.corpId,
          record.corpName,
          record.permanentCodeCiphertext,
          record.authInfo,
          record.installedAt,
          record.updatedAt,
          record.eventTimestamp,
          messageTail(record.updatedAt, record.suiteId, record.corpId),
        ]),
      );
      if (reply === 'stale') return 'stale';
      await replicate();
      return 'stored';
    },
    async install(suiteId, corpId) {
      assertSuiteId('install', suiteId);
      assertCorpId('install', corpId);
      return toInstall(await run((redis) => redis.hgetall(keys.suiteInstall(suiteId, corpId))));
    },
    async removeInstall(suiteId, corpId, eventTimestamp, at) {
      assertRemoval(suiteId, corpId, eventTimestamp, at);
      // The horizon counts from the uninstall, as in the other adapters; Redis's own clock then runs the TTL.
      const ttl = Math.max(1, Math.ceil(at + tombstoneRetentionMs - now()));
      const written = installKeys(suiteId, corpId);
      const reply = await run((redis) =>
        REMOVE_INSTALL.run(redis, written, [
          channel,
          corpId,
          eventTimestamp,
          at,
          ttl,
          messageTail(at, suiteId, corpId),
        ]),
      );
      if (reply === 'stale') return reply;
      await replicate();
      return reply === 'removed' ? reply : 'absent';
    },
    async listInstalls(suiteId, page) {
      assertInstallPage(suiteId, page);
      const start = page.after === undefined ? '-' : `(${page.after}`;
      const corps = keys.suiteCorps(suiteId);
      // The install keys are the index's name with `corp:<corpId>` for `corps`: the same tag, hence the same slot.
      const installPrefix = keys.suiteInstall(suiteId, '');
      const reply = await run((redis) =>
        LIST_INSTALLS.run(redis, [corps], [installPrefix, start, page.limit]),
      );
      if (!Array.isArray(reply)) return [];
      return reply.flatMap((fields) => toInstall(toFields(fields)) ?? []);
    },
    async countInstalls(suiteId) {
      assertSuiteId('countInstalls', suiteId);
      return run((redis) => redis.zcard(keys.suiteCorps(suiteId)));
    },
    async subscribeInstalls(listener, onResync) {
      await subscribe();
      const entry: InstallListener = { onChange: listener, onResync };
      listeners.add(entry);
      return async () => {
        listeners.delete(entry);
      };
    },
  };
}
