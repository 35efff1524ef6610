/**
 * Employee profiles: from the profile cache, else `user/get` (with department names from a cached
 * `department/list`). That is WeCom's word, server to server.
 *
 * A mobile or email the employee disclosed through `wx.qy.getMobile` / `getEmail` is the client's word (the client
 * relays the ciphertext and chooses its IV), so it is kept apart: bound to the session that disclosed it, never
 * shown to another session of the same userid (a successor given a departed colleague's userid starts with
 * nothing), never over a value `user/get` gives, and gone when the directory changes for that person.
 */
import type { CacheStore } from '@wecom-auth/store';
import type { CorpClients } from '../tenants/corp-clients.js';
import { type Employee, toEmployee } from './employee.js';
import { assertWecomIdentity } from './wecom-identifiers.js';

/** A mobile or email only the client relayed: no `user/get` value backs it. */
export interface ClientRelayedValue {
  readonly value: string;
  /** Always `client`: WeCom did not confirm it server to server. */
  readonly source: 'client';
}

/** What one session disclosed that `user/get` does not tell. */
export interface DisclosedDetails {
  readonly mobile?: ClientRelayedValue;
  readonly email?: ClientRelayedValue;
}

/** The employee of `/v1/me`: WeCom's profile, plus what this session disclosed that WeCom does not say. */
export interface EmployeeWithDisclosures extends Employee {
  readonly disclosed?: DisclosedDetails;
}

/** The session a disclosure belongs to, and how long it may live. */
export interface DisclosingSession {
  readonly corpId: string;
  readonly userId: string;
  readonly sessionId: string;
  /** Epoch ms: the session's expiry when it disclosed. */
  readonly expiresAt: number;
}

interface StoredDisclosure {
  readonly mobile?: string;
  readonly email?: string;
  readonly expiresAt: number;
}

/** One cache entry per employee, holding each session's disclosures, so that a directory change drops them all. */
type StoredDisclosures = Readonly<Record<string, StoredDisclosure>>;

export interface EmployeeDirectoryOptions {
  /** Each corp's profiles come from that corp's `user/get`, with its own token. */
  readonly corps: Pick<CorpClients, 'clientFor'>;
  readonly cache: CacheStore;
  readonly profileTtlMs: number;
  /** Current time, epoch ms: disclosures expire with their session. */
  readonly now: () => number;
  readonly onWarning: (object: Record<string, unknown>, message: string) => void;
}

export class EmployeeDirectory {
  readonly #options: EmployeeDirectoryOptions;
  readonly #inflight = new Map<string, Promise<Employee>>();

  constructor(options: EmployeeDirectoryOptions) {
    this.#options = options;
  }

  static profileKey(corpId: string, userId: string): string {
    // WeCom userids are case-insensitive.
    return `profile:${corpId}:${userId.toLowerCase()}`;
  }

  static disclosedKey(corpId: string, userId: string): string {
    return `disclosed:${corpId}:${userId.toLowerCase()}`;
  }

  /** The employee as WeCom's `user/get` describes them. Concurrent misses for one employee share one `user/get`. */
  get(corpId: string, userId: string): Promise<Employee> {
    return this.profile(corpId, userId);
  }

  /**
   * The employee of `/v1/me`: the profile, with `disclosed` holding what this session (and only this one) disclosed
   * that `user/get` does not give. A value `user/get` gives always wins.
   */
  async forSession(session: Omit<DisclosingSession, 'expiresAt'>): Promise<EmployeeWithDisclosures> {
    const [profile, stored] = await Promise.all([
      this.profile(session.corpId, session.userId),
      this.#options.cache.get<StoredDisclosures>(
        EmployeeDirectory.disclosedKey(session.corpId, session.userId),
      ),
    ]);
    const own = stored?.[session.sessionId];
    if (!own || own.expiresAt <= this.#options.now()) return profile;
    const disclosed: DisclosedDetails = {
      ...(own.mobile !== undefined && profile.mobile === undefined
        ? { mobile: { value: own.mobile, source: 'client' } }
        : {}),
      ...(own.email !== undefined && profile.email === undefined
        ? { email: { value: own.email, source: 'client' } }
        : {}),
    };
    return Object.keys(disclosed).length > 0 ? { ...profile, disclosed } : profile;
  }

  async profile(corpId: string, userId: string): Promise<Employee> {
    // Before the cache or user/get is asked: the userid comes from jscode2session or a token.
    assertWecomIdentity({ corpId, userId });
    const key = EmployeeDirectory.profileKey(corpId, userId);
    const cached = await this.#options.cache.get<Employee>(key);
    if (cached) return cached;
    let pending = this.#inflight.get(key);
    if (!pending) {
      pending = this.#fetch(corpId, userId, key).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, pending);
    }
    return pending;
  }

  /**
   * Drops the cached profile and every session's disclosures of this employee (a contact-change event: an update,
   * a rename, a departure, a deletion, or an admin action): what a person told us about themselves is not carried
   * over a change of who holds the userid, or of what WeCom says about them.
   */
  async forget(corpId: string, userId: string): Promise<void> {
    await Promise.all([
      this.#options.cache.delete(EmployeeDirectory.profileKey(corpId, userId)),
      this.#options.cache.delete(EmployeeDirectory.disclosedKey(corpId, userId)),
    ]);
  }

  async forgetDepartments(corpId: string): Promise<void> {
    await this.#options.cache.delete(`departments:${corpId}`);
  }

  /**
   * Keeps a mobile or email that only the client relayed, for the session that disclosed it and until that
   * session's expiry. Two sessions of one employee disclosing at the same instant may lose one of the two writes;
   * that session then asks again.
   */
  async addDisclosed(
    session: DisclosingSession,
    details: { readonly mobile?: string; readonly email?: string },
  ): Promise<void> {
    const now = this.#options.now();
    if (session.expiresAt <= now) return;
    const key = EmployeeDirectory.disclosedKey(session.corpId, session.userId);
    const previous = (await this.#options.cache.get<StoredDisclosures>(key)) ?? {};
    const next: Record<string, StoredDisclosure> = {};
    for (const [sessionId, entry] of Object.entries(previous)) {
      if (entry.expiresAt > now) next[sessionId] = entry;
    }
    next[session.sessionId] = { ...next[session.sessionId], ...details, expiresAt: session.expiresAt };
    const lastExpiry = Math.max(...Object.values(next).map((entry) => entry.expiresAt));
    await this.#options.cache.set(key, next, lastExpiry - now);
  }

  async #fetch(corpId: string, userId: string, key: string): Promise<Employee> {
    const [user, departmentNames] = await Promise.all([
      this.#options.corps.clientFor(corpId).user.get(userId),
      this.#departmentNames(corpId),
    ]);
    // user/get's userid becomes the token's subject and a /v1/verify header: it is held to the same alphabet.
    const answeredUserId: unknown = user.userid;
    if (typeof answeredUserId === 'string' && answeredUserId !== '') {
      assertWecomIdentity({ corpId, userId: answeredUserId });
    }
    const employee = toEmployee(user, { corpId, userId, departmentNames });
    if (this.#options.profileTtlMs > 0)
      await this.#options.cache.set(key, employee, this.#options.profileTtlMs);
    return employee;
  }

  async #departmentNames(corpId: string): Promise<ReadonlyMap<number, string>> {
    const key = `departments:${corpId}`;
    let names = await this.#options.cache.get<[number, string][]>(key);
    if (!names) {
      try {
        const list = await this.#options.corps.clientFor(corpId).department.list();
        names = (list.department ?? []).flatMap((d) =>
          typeof d.id === 'number' && typeof d.name === 'string' ? [[d.id, d.name] as [number, string]] : [],
        );
        await this.#options.cache.set(key, names, Math.max(this.#options.profileTtlMs, 60_000));
      } catch (error) {
        // Names are a courtesy: an app without department visibility still logs its employees in.
        this.#options.onWarning(
          { code: (error as { code?: unknown }).code },
          'department/list failed; names omitted',
        );
        names = [];
      }
    }
    return new Map(names);
  }
}
