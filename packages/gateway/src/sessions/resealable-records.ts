/**
 * What a data key rotation must reseal: every kind of record the gateway keeps sealed with the data key, each able to
 * list its records and to swap one for its resealed version. A new kind of sealed data (the suite permanent codes,
 * say) joins every rotation by adding its {@link ResealableKind} to {@link resealableKindsOf}, or by being registered
 * on a {@link ResealRegistry} where it is wired: the pass, `wecom-auth rotate-data-key` and `wecom-auth doctor` then
 * handle it with the others.
 */
import type { SessionStore, SigningKeyStore, Store, SuiteStore } from '@wecom-auth/store';
import type { SealPurpose } from './data-sealer.js';

/** One sealed record, as a reseal pass sees it. */
export interface SealedRecord {
  /** Identifies the record within its kind (a key's kid, a session's id); never secret. */
  readonly id: string;
  /** The sealed text (`v1.…`). */
  readonly sealed: string;
}

/** A kind of record sealed with the data key, which a reseal pass can walk and rewrite under the current key. */
export interface ResealableKind {
  /** Names the kind in reports, logs and `doctor`: `signing_key`, `session_key`. */
  readonly name: string;
  /** What the records were sealed for (the sealer binds it). */
  readonly purpose: SealPurpose;
  /** Every record that still matters, a page at a time. */
  records(): AsyncIterable<SealedRecord>;
  /**
   * Stores `resealed` in place of `record.sealed` while the record is unchanged: false when it changed meanwhile
   * (a newer value was written, which is sealed under the current key already) or is gone.
   */
  replace(record: SealedRecord, resealed: string): Promise<boolean>;
}

/** Resealable kinds by name, in the order a pass walks them. */
export class ResealRegistry {
  readonly #kinds = new Map<string, ResealableKind>();

  /**
   * @example
   * const registry = new ResealRegistry(resealableKindsOf(store, Date.now));
   * registry.register(permanentCodeRecords(store));
   */
  constructor(kinds: readonly ResealableKind[] = []) {
    for (const kind of kinds) this.register(kind);
  }

  /** Adds a kind; a second kind of the same name is a mistake. */
  register(kind: ResealableKind): void {
    if (this.#kinds.has(kind.name))
      throw new TypeError(`a resealable kind ${kind.name} is registered already`);
    this.#kinds.set(kind.name, kind);
  }

  /** Every kind, in registration order. */
  get kinds(): readonly ResealableKind[] {
    return [...this.#kinds.values()];
  }
}

/**
 * The sealed private part of each signing key, retired ones too: they stay in the store until pruned, and once the
 * old data key is dropped nothing may be left that only it opens.
 */
export function signingKeyRecords(keys: SigningKeyStore): ResealableKind {
  return {
    name: 'signing_key',
    purpose: 'signing_key',
    async *records() {
      for (const record of await keys.list()) {
        const sealed = (record.privateJwk as { sealed?: unknown }).sealed;
        if (typeof sealed === 'string') yield { id: record.kid, sealed };
      }
    },
    replace: (record, resealed) =>
      keys.replacePrivateJwk(record.id, { sealed: record.sealed }, { sealed: resealed }),
  };
}

/** Sessions read per page of a scan: small enough not to hold Redis or the SQLite file for long. */
const sessionPageSize = 500;

/** The sealed WeCom session_key of each live session (revoked and expired ones never use theirs again). */
export function sessionKeyRecords(sessions: SessionStore, now: () => number): ResealableKind {
  return {
    name: 'session_key',
    purpose: 'session_key',
    async *records() {
      let cursor: string | undefined;
      do {
        const page = await sessions.scan(cursor, sessionPageSize);
        const at = now();
        for (const session of page.sessions) {
          if (session.revokedAt !== undefined || session.expiresAt <= at) continue;
          yield { id: session.id, sealed: session.sessionKeyCiphertext };
        }
        cursor = page.cursor;
      } while (cursor !== undefined);
    },
    replace: (record, resealed) => sessions.replaceSessionKey(record.id, record.sealed, resealed),
  };
}

/** Installs read per page: the store's largest page. */
const installPageSize = 1000;

/**
 * The sealed permanent code of each corp that installed a third-party app: once the old data key is dropped, a code
 * only it opens would leave that corp without a token, so every one of them is resealed.
 */
export function permanentCodeRecords(suites: SuiteStore, suiteId: string): ResealableKind {
  return {
    name: 'permanent_code',
    purpose: 'permanent_code',
    async *records() {
      let after: string | undefined;
      for (;;) {
        const page = await suites.listInstalls(suiteId, {
          ...(after === undefined ? {} : { after }),
          limit: installPageSize,
        });
        for (const install of page) yield { id: install.corpId, sealed: install.permanentCodeCiphertext };
        const last = page.at(-1);
        if (last === undefined || page.length < installPageSize) return;
        after = last.corpId;
      }
    },
    async replace(record, resealed) {
      const install = await suites.install(suiteId, record.id);
      if (install === undefined || install.permanentCodeCiphertext !== record.sealed) return false;
      // The same event time: a newer instruction for the corp (a reset, an uninstall) wins over the reseal.
      return (await suites.saveInstall({ ...install, permanentCodeCiphertext: resealed })) === 'stored';
    },
  };
}

/**
 * Every kind of sealed record in `store`: the one list a new kind of sealed data is added to. `suiteId`: the
 * third-party app whose permanent codes the store keeps.
 *
 * @example
 * const report = await resealRecords({ kinds: resealableKindsOf(store, Date.now), keyring });
 */
export function resealableKindsOf(store: Store, now: () => number, suiteId?: string): ResealableKind[] {
  return [
    signingKeyRecords(store.signingKeys),
    sessionKeyRecords(store.sessions, now),
    ...(suiteId === undefined ? [] : [permanentCodeRecords(store.suites, suiteId)]),
  ];
}
