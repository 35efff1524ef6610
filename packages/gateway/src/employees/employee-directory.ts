/**
 * Employee profiles: from the profile cache, else `user/get` (with department names from a cached
 * `department/list`). Details the employee disclosed through `wx.qy.getMobile` / `getEmail` are kept apart and
 * merged in, because `user/get` no longer returns them to apps created after 2022-06-20.
 */
import type { CacheStore } from '@wecom-auth/store';
import type { CorpClients } from '../tenants/corp-clients.js';
import { type Employee, toEmployee } from './employee.js';

export interface DisclosedDetails {
  readonly mobile?: string;
  readonly email?: string;
}

export interface EmployeeDirectoryOptions {
  /** Each corp's profiles come from that corp's `user/get`, with its own token. */
  readonly corps: Pick<CorpClients, 'clientFor'>;
  readonly cache: CacheStore;
  readonly profileTtlMs: number;
  /** Disclosed details live as long as a session can. */
  readonly disclosedTtlMs: number;
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

  /** The employee with disclosed details merged in. Concurrent misses for one employee share one `user/get`. */
  async get(corpId: string, userId: string): Promise<Employee> {
    const [profile, disclosed] = await Promise.all([
      this.profile(corpId, userId),
      this.#options.cache.get<DisclosedDetails>(EmployeeDirectory.disclosedKey(corpId, userId)),
    ]);
    return disclosed ? { ...profile, ...disclosed } : profile;
  }

  async profile(corpId: string, userId: string): Promise<Employee> {
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

  /** Drops the cached profile (a contact-change event, or an admin action). */
  async forget(corpId: string, userId: string): Promise<void> {
    await this.#options.cache.delete(EmployeeDirectory.profileKey(corpId, userId));
  }

  async forgetDepartments(corpId: string): Promise<void> {
    await this.#options.cache.delete(`departments:${corpId}`);
  }

  async addDisclosed(corpId: string, userId: string, details: DisclosedDetails): Promise<void> {
    const key = EmployeeDirectory.disclosedKey(corpId, userId);
    const previous = (await this.#options.cache.get<DisclosedDetails>(key)) ?? {};
    await this.#options.cache.set(key, { ...previous, ...details }, this.#options.disclosedTtlMs);
  }

  async #fetch(corpId: string, userId: string, key: string): Promise<Employee> {
    const [user, departmentNames] = await Promise.all([
      this.#options.corps.clientFor(corpId).user.get(userId),
      this.#departmentNames(corpId),
    ]);
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
