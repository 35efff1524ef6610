/**
 * The apply step and its queue, without HTTP: which change revokes what, and how the queue drains the inbox.
 */
import {
  buildChangeContactXml,
  type ChangeContactEventInput,
  parseCallbackMessage,
} from '@wecom-auth/crypto';
import { DEMO_CORP_ID } from '@wecom-auth/sandbox';
import {
  createMemoryStore,
  type InboxEvent,
  type SessionRecord,
  type Store,
  StoreUnavailableError,
} from '@wecom-auth/store';
import { describe, expect, it } from 'vitest';
import { CallbackQueue } from '../src/callbacks/callback-queue.js';
import { ContactChangeApplier, changeBound } from '../src/callbacks/contact-change-applier.js';
import { loadConfig } from '../src/config/load-config.js';
import type { EmployeeDirectory } from '../src/employees/employee-directory.js';
import { RevocationMirror } from '../src/sessions/revocation-mirror.js';

const NOW = 1_700_000_000_000;
/** When the gateway received the events: after every session these tests create. */
const LATER = NOW + 60_000;

function session(id: string, userId: string): SessionRecord {
  return {
    id,
    corpId: DEMO_CORP_ID,
    userId,
    refreshTokenHash: `hash-${id}`,
    sessionKeyCiphertext: 'sealed',
    createdAt: NOW,
    refreshedAt: NOW,
    expiresAt: NOW + 86_400_000,
  };
}

function setup(): {
  store: Store;
  applier: ContactChangeApplier;
  forgotten: string[];
  mirror: RevocationMirror;
} {
  const store = createMemoryStore({ now: () => NOW });
  const forgotten: string[] = [];
  const directory = {
    forget: async (_corpId: string, userId: string) => {
      forgotten.push(`user:${userId}`);
    },
    forgetDepartments: async (corpId: string) => {
      forgotten.push(`departments:${corpId}`);
    },
  } as unknown as EmployeeDirectory;
  const mirror = new RevocationMirror({
    sessions: store.sessions,
    now: () => NOW,
    horizonMs: 900_000,
    onError: () => {},
  });
  const applier = new ContactChangeApplier({
    sessions: store.sessions,
    directory,
    revocations: mirror,
    now: () => NOW,
  });
  return { store, applier, forgotten, mirror };
}

const event = (input: ChangeContactEventInput) => parseCallbackMessage(buildChangeContactXml(input));

describe('ContactChangeApplier', () => {
  it.each([
    [{ kind: 'delete_user', userId: 'zhangsan' }, 'employee_left'],
    [{ kind: 'update_user', userId: 'zhangsan', status: 2 }, 'employee_disabled'],
    [{ kind: 'update_user', userId: 'zhangsan', status: 4 }, 'employee_disabled'],
    [{ kind: 'update_user', userId: 'zhangsan', status: 5 }, 'employee_left'],
  ] as const)('%j revokes every session of the member with %s, mirrored at once', async (input, reason) => {
    const { store, applier, mirror } = setup();
    await store.sessions.create(session('s1', 'zhangsan'));
    await store.sessions.create(session('s2', 'zhangsan'));
    await store.sessions.create(session('s3', 'lisi'));
    const change = await applier.apply(event(input), DEMO_CORP_ID, LATER);
    expect(change.revokedSessions).toBe(2);
    expect((await store.sessions.get('s1'))?.revokeReason).toBe(reason);
    expect(mirror.isRevoked('s1') && mirror.isRevoked('s2')).toBe(true);
    expect(mirror.isRevoked('s3')).toBe(false);
    // Applying again (a retry after a crash) changes nothing more.
    expect((await applier.apply(event(input), DEMO_CORP_ID, LATER)).revokedSessions).toBe(0);
  });

  it('an active update only drops the cached profile', async () => {
    const { store, applier, forgotten } = setup();
    await store.sessions.create(session('s1', 'lisi'));
    const change = await applier.apply(
      event({ kind: 'update_user', userId: 'lisi', name: '李思', status: 1 }),
      DEMO_CORP_ID,
      LATER,
    );
    expect(change).toEqual({ kind: 'update_user', revokedSessions: 0 });
    expect(forgotten).toEqual(['user:lisi']);
    expect((await store.sessions.get('s1'))?.revokedAt).toBeUndefined();
  });

  it('a userid change revokes the sessions of the old userid and forgets both profiles', async () => {
    const { store, applier, forgotten, mirror } = setup();
    await store.sessions.create(session('s1', 'wangwu'));
    const change = await applier.apply(
      event({ kind: 'update_user', userId: 'wangwu', newUserId: 'wangwu2' }),
      DEMO_CORP_ID,
      LATER,
    );
    expect(change.revokedSessions).toBe(1);
    expect(await store.sessions.get('s1')).toMatchObject({
      userId: 'wangwu',
      revokeReason: 'employee_renamed',
    });
    expect(mirror.isRevoked('s1')).toBe(true);
    expect(forgotten.sort()).toEqual(['user:wangwu', 'user:wangwu2']);
  });

  it.each([
    [{ kind: 'delete_user', userId: 'zhangsan' }],
    [{ kind: 'update_user', userId: 'zhangsan', status: 2 }],
    [{ kind: 'update_user', userId: 'zhangsan', newUserId: 'zhangsan.renamed' }],
  ] as const)('%j spares the sessions created after the second of its CreateTime', async (input) => {
    const { store, applier } = setup();
    const createTime = Math.floor(NOW / 1000);
    await store.sessions.create({ ...session('before', 'zhangsan'), createdAt: createTime * 1000 - 1 });
    await store.sessions.create({
      ...session('same-second', 'zhangsan'),
      createdAt: createTime * 1000 + 999,
    });
    await store.sessions.create({ ...session('after', 'zhangsan'), createdAt: (createTime + 1) * 1000 });
    const change = await applier.apply(event({ ...input, createTime }), DEMO_CORP_ID, LATER);
    expect(change.revokedSessions).toBe(2);
    expect((await store.sessions.get('same-second'))?.revokedAt).toBeDefined();
    expect((await store.sessions.get('after'))?.revokedAt).toBeUndefined();
  });

  it('without a CreateTime, or with one ahead of its receipt, an event spares the sessions created after its receipt', () => {
    const received = NOW + 5_000;
    expect(changeBound(event({ kind: 'delete_user', userId: 'x' }), received)).toEqual({
      createdBefore: received,
    });
    expect(
      changeBound(event({ kind: 'delete_user', userId: 'x', createTime: NOW / 1000 + 60 }), received),
    ).toEqual({ createdBefore: received });
    expect(
      changeBound(event({ kind: 'delete_user', userId: 'x', createTime: NOW / 1000 - 60 }), received),
    ).toEqual({ createdBefore: NOW - 59_000 });
  });

  it('party events drop the cached department names; tags and unknown messages are ignored', async () => {
    const { applier, forgotten } = setup();
    await applier.apply(event({ kind: 'create_party', id: 9, parentId: 1 }), DEMO_CORP_ID, LATER);
    await applier.apply(event({ kind: 'update_party', id: 9, parentId: 2 }), DEMO_CORP_ID, LATER);
    await applier.apply(event({ kind: 'delete_party', id: 9 }), DEMO_CORP_ID, LATER);
    expect(forgotten).toEqual([
      `departments:${DEMO_CORP_ID}`,
      `departments:${DEMO_CORP_ID}`,
      `departments:${DEMO_CORP_ID}`,
    ]);
    await applier.apply(event({ kind: 'update_tag', tagId: 1 }), DEMO_CORP_ID, LATER);
    await applier.apply(
      parseCallbackMessage('<xml><MsgType>text</MsgType><Content>hi</Content></xml>'),
      DEMO_CORP_ID,
      LATER,
    );
    expect(forgotten).toHaveLength(3);
  });
});

describe('CallbackQueue', () => {
  function inboxWith(events: InboxEvent[]) {
    const applied: string[] = [];
    let failNext = 0;
    return {
      applied,
      failPending: (times: number) => {
        failNext = times;
      },
      inbox: {
        record: async () => true,
        markApplied: async (id: string) => {
          applied.push(id);
        },
        pending: async (limit: number) => {
          if (failNext > 0) {
            failNext -= 1;
            throw Object.assign(new Error('store away'), { code: 'store_unavailable' });
          }
          return events.filter((e) => !applied.includes(e.id)).slice(0, limit);
        },
      },
    };
  }
  const recorded = (id: string, input: ChangeContactEventInput): InboxEvent => ({
    id,
    payload: buildChangeContactXml(input),
    receivedAt: NOW,
  });

  it('drains what was recorded before start, in order, and marks each applied', async () => {
    const fake = inboxWith([
      recorded('a', { kind: 'delete_user', userId: 'x' }),
      recorded('b', { kind: 'delete_party', id: 3 }),
    ]);
    const seen: string[] = [];
    const queue = new CallbackQueue({
      inbox: fake.inbox,
      apply: async (event) => ({ kind: parseCallbackMessage(event.payload).kind }),
      now: () => NOW,
      onApplied: (id, change) => seen.push(`${id}:${change.kind}`),
      onError: () => {},
      hold: false,
    });
    queue.start();
    await queue.idle();
    await queue.stop();
    expect(seen).toEqual(['a:delete_user', 'b:delete_party']);
    expect(fake.applied).toEqual(['a', 'b']);
  });

  it('leaves events pending when the store fails and applies them on the next wake', async () => {
    const fake = inboxWith([recorded('a', { kind: 'delete_user', userId: 'x' })]);
    const errors: unknown[] = [];
    const queue = new CallbackQueue({
      inbox: fake.inbox,
      apply: async (event) => ({ kind: parseCallbackMessage(event.payload).kind }),
      now: () => NOW,
      onApplied: () => {},
      onError: (error) => errors.push(error),
      hold: false,
    });
    fake.failPending(1);
    queue.wake();
    await queue.idle();
    expect(fake.applied).toEqual([]);
    expect(errors).toHaveLength(1);
    queue.wake();
    await queue.idle();
    expect(fake.applied).toEqual(['a']);
    await queue.stop();
  });

  it('marks an event applied once its apply resolves, unreadable ones too; held queues apply nothing', async () => {
    const fake = inboxWith([{ id: 'bad', payload: '<not-xml', receivedAt: NOW }]);
    const errors: unknown[] = [];
    const options = {
      inbox: fake.inbox,
      // What the callback routes do with an event that no longer parses: resolve, so it is not retried forever.
      apply: async (event: InboxEvent) => {
        try {
          return { kind: parseCallbackMessage(event.payload).kind };
        } catch (error) {
          errors.push(error);
          return { kind: 'unreadable' };
        }
      },
      now: () => NOW,
      onApplied: () => {},
      onError: (error: unknown) => errors.push(error),
    };
    const held = new CallbackQueue({ ...options, hold: true });
    held.start();
    await held.idle();
    expect(fake.applied).toEqual([]);
    const queue = new CallbackQueue({
      ...options,
      hold: false,
    });
    queue.wake();
    await queue.idle();
    expect(fake.applied).toEqual(['bad']);
    expect(errors).toHaveLength(1);
    await queue.stop();
  });

  it("holds back a failed event's later events of its key only, and applies them all once it applies", async () => {
    // a1 fails while WeCom refuses; a2 is the same corp's, so it waits; b1 is another corp's and must not wait.
    const events: InboxEvent[] = [
      { ...recorded('a1', { kind: 'delete_user', userId: 'x' }), corpId: 'wwcorpa' },
      { ...recorded('a2', { kind: 'delete_user', userId: 'y' }), corpId: 'wwcorpa' },
      { ...recorded('b1', { kind: 'delete_user', userId: 'z' }), corpId: 'wwcorpb' },
    ];
    const fake = inboxWith(events);
    let refusing = true;
    const tried: string[] = [];
    const failures: [unknown, string | undefined][] = [];
    const queue = new CallbackQueue({
      inbox: fake.inbox,
      apply: async (event) => {
        tried.push(event.id);
        if (refusing && event.id === 'a1') throw Object.assign(new Error('busy'), { code: 'system_busy' });
        return { kind: 'applied' };
      },
      now: () => NOW,
      onApplied: () => {},
      onError: (error, eventId) => failures.push([error, eventId]),
      hold: false,
    });
    queue.wake();
    await queue.idle();
    expect(tried).toEqual(['a1', 'b1']);
    expect(fake.applied).toEqual(['b1']);
    expect(failures.map(([, eventId]) => eventId)).toEqual(['a1']);
    refusing = false;
    queue.wake();
    await queue.idle();
    expect(fake.applied).toEqual(['b1', 'a1', 'a2']);
    await queue.stop();
  });

  it('looks past a full page of events that failed, to the ones behind them', async () => {
    // More failing events than one page: each of another key, so none holds back the one behind them.
    const failing = Array.from({ length: 60 }, (_, i) => ({
      ...recorded(`f${i}`, { kind: 'delete_user', userId: `u${i}` }),
      corpId: `wwfailing${i}`,
    }));
    const fake = inboxWith([...failing, recorded('last', { kind: 'delete_user', userId: 'v' })]);
    const queue = new CallbackQueue({
      inbox: fake.inbox,
      apply: async (event) => {
        if (event.id.startsWith('f')) throw new Error('refused');
        return { kind: 'applied' };
      },
      now: () => NOW,
      onApplied: () => {},
      onError: () => {},
      hold: false,
    });
    queue.wake();
    await queue.idle();
    expect(fake.applied).toEqual(['last']);
    await queue.stop();
  });

  it('ends the drain when the store fails during an apply: nothing else could apply either', async () => {
    const fake = inboxWith([
      { ...recorded('a', { kind: 'delete_user', userId: 'x' }), corpId: 'wwcorpa' },
      { ...recorded('b', { kind: 'delete_user', userId: 'y' }), corpId: 'wwcorpb' },
    ]);
    const tried: string[] = [];
    const failures: (string | undefined)[] = [];
    const queue = new CallbackQueue({
      inbox: fake.inbox,
      apply: async (event) => {
        tried.push(event.id);
        throw new StoreUnavailableError('connection refused');
      },
      now: () => NOW,
      onApplied: () => {},
      onError: (_error, eventId) => failures.push(eventId),
      hold: false,
    });
    queue.wake();
    await queue.idle();
    expect(tried).toEqual(['a']);
    // Reported once, as a drain the store stopped (no event to blame).
    expect(failures).toEqual([undefined]);
    await queue.stop();
  });
});

describe('callback settings', () => {
  it('requires the Token and the AES key together, without echoing either', () => {
    expect(() => loadConfig({ env: { WECOM_CALLBACK_TOKEN: 'secretToken1' } })).toThrowError(
      /WECOM_CALLBACK_TOKEN and WECOM_CALLBACK_AES_KEY: set both or neither/,
    );
    let message = '';
    try {
      loadConfig({ env: { WECOM_CALLBACK_TOKEN: 'bad token!', WECOM_CALLBACK_AES_KEY: 'short' } });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('WECOM_CALLBACK_AES_KEY');
    expect(message).not.toContain('bad token!');
    expect(message).not.toContain('short');
    const config = loadConfig({ env: { CALLBACK_MAX_AGE_SECONDS: '0' } });
    expect(config.callbackMaxAge).toBe(0);
    expect(loadConfig({ env: {} }).callbackMaxAge).toBe(300);
  });
});
