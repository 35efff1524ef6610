/**
 * The checks of `wecom-auth doctor`, in the order they run. Order matters twice: a check runs after those it needs,
 * and the checklist reads top to bottom as a setup is built (configuration, network, WeCom app, store, keys, callback,
 * one real login). Consecutive corp checks run as a block for each corp in turn, so that a corp's lines stay together.
 */
import type { DoctorCheck } from './doctor-check.js';

/** Where {@link CheckRegistry.add} puts a check: at the end, or just before or after another one. */
export type CheckPosition = { readonly before: string } | { readonly after: string } | undefined;

export class CheckRegistry {
  readonly #checks: DoctorCheck[] = [];

  /**
   * @example
   * const registry = new CheckRegistry(defaultDoctorChecks().checks);
   * registry.add(suiteTicketCheck, { after: 'wecom-credentials' });
   */
  constructor(checks: readonly DoctorCheck[] = []) {
    for (const check of checks) this.add(check);
  }

  /**
   * Adds a check. Refuses (`TypeError`) a second check with the same id, a position naming no check, and a check that
   * needs one that does not run before it.
   */
  add(check: DoctorCheck, position?: CheckPosition): this {
    if (this.#checks.some((existing) => existing.id === check.id)) {
      throw new TypeError(`a doctor check ${check.id} is registered already`);
    }
    let index = this.#checks.length;
    if (position !== undefined) {
      const anchor = 'before' in position ? position.before : position.after;
      const at = this.#checks.findIndex((existing) => existing.id === anchor);
      if (at < 0) throw new TypeError(`no doctor check ${anchor} to place ${check.id} next to`);
      index = 'before' in position ? at : at + 1;
    }
    const earlier = new Set(this.#checks.slice(0, index).map((existing) => existing.id));
    for (const need of check.needs) {
      if (!earlier.has(need))
        throw new TypeError(`doctor check ${check.id} needs ${need}, which does not run before it`);
    }
    this.#checks.splice(index, 0, check);
    return this;
  }

  /** The checks in the order they run. */
  get checks(): readonly DoctorCheck[] {
    return [...this.#checks];
  }
}
