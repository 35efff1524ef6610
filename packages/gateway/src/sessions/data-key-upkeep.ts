/**
 * What a running gateway does about its data keys: says, in one line, what became unreadable when the key that sealed
 * it was dropped, and reseals in the background what a fallback key still opens, so that the fallback can be dropped
 * later. The pass runs once per start, and only when there is something to reseal: the configuration names previous
 * keys or secrets, or a signing key was found under a fallback (after `WECOM_AUTH_DATA_KEY` was set, or the corps
 * were reordered).
 */
import type { SigningKeyStore } from '@wecom-auth/store';
import type { Logger } from 'pino';
import type { DataKeyring } from './data-keyring.js';
import { type ResealReport, resealRecords, totalOf } from './data-resealer.js';
import type { ResealableKind } from './resealable-records.js';

/** What {@link DataKeyUpkeep} needs. */
export interface DataKeyUpkeepOptions {
  readonly keyring: DataKeyring;
  readonly kinds: readonly ResealableKind[];
  readonly signingKeys: SigningKeyStore;
  /** The configuration names previous keys or secrets: a rotation is under way. */
  readonly rotationUnderWay: boolean;
  readonly logger: Logger;
  /** Pause before a failed pass (the store went away) is tried again. Default 60 s. */
  readonly retryMs?: number;
}

/** The stable code of the log line that says data became unreadable. */
export const dataKeyLostCode = 'data_key_lost';

export class DataKeyUpkeep {
  readonly #options: DataKeyUpkeepOptions;
  readonly #abort = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #pass: Promise<ResealReport | undefined> = Promise.resolve(undefined);

  constructor(options: DataKeyUpkeepOptions) {
    this.#options = options;
  }

  /**
   * The one line that says what was lost: the active signing key could not be opened and was replaced (see
   * `TokenIssuer`'s `onUnreadableActiveKey`). Sessions whose session_key the lost key sealed end when they next
   * need it.
   */
  reportLostSigningKey(kid: string): void {
    const { keyring, logger } = this.#options;
    logger.warn(
      { code: dataKeyLostCode, retiredKid: kid, dataKey: keyring.currentSource, keysTried: keyring.sources },
      'the signing key was sealed under a data key that is no longer configured (the secret or WECOM_AUTH_DATA_KEY changed without the old one as a fallback): ' +
        'a fresh signing key signs from now on and tokens of the old one verify until they expire; sessions whose WeCom session_key it sealed end when they next decrypt, ' +
        'and the mini-program SDK logs in again by itself. Next time keep the old value in WECOM_SECRET_FALLBACKS or WECOM_AUTH_DATA_KEY_FALLBACKS until wecom-auth doctor reports nothing sealed under it (docs/operations.md)',
    );
  }

  /**
   * Starts the background pass when there is something to reseal (deciding it reads the store, in the background too).
   */
  start(): void {
    if (this.#options.keyring.sources.length < 2) return;
    this.#pass = this.#run();
  }

  /** The background pass started by {@link start}, with its report (undefined when none ran or it was stopped). */
  get pass(): Promise<ResealReport | undefined> {
    return this.#pass;
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    clearTimeout(this.#timer);
    await this.#pass;
  }

  async #signingKeyUnderFallback(): Promise<boolean> {
    const { keyring, signingKeys } = this.#options;
    for (const record of await signingKeys.list()) {
      const sealed = (record.privateJwk as { sealed?: unknown }).sealed;
      if (typeof sealed !== 'string') continue;
      const opened = keyring.unseal(sealed, 'signing_key');
      if (opened !== undefined && opened.keyIndex > 0) return true;
    }
    return false;
  }

  async #run(): Promise<ResealReport | undefined> {
    const { keyring, kinds, logger } = this.#options;
    for (;;) {
      try {
        if (!this.#options.rotationUnderWay && !(await this.#signingKeyUnderFallback())) return undefined;
        const report = await resealRecords({ kinds, keyring, signal: this.#abort.signal });
        const summary = {
          dataKey: keyring.currentSource,
          resealed: Object.fromEntries(
            Object.entries(report).map(([kind, counts]) => [kind, counts.resealed]),
          ),
          unreadable: Object.fromEntries(
            Object.entries(report).map(([kind, counts]) => [kind, counts.unreadable]),
          ),
        };
        if (totalOf(report, 'unreadable') > 0) {
          logger.warn(
            { code: dataKeyLostCode, ...summary },
            'resealed what the fallback keys opened; some records are sealed under a key that is not configured (sessions among them end when they next decrypt)',
          );
        } else {
          logger.info(summary, 'resealed under the current data key what the fallback keys opened');
        }
        return report;
      } catch (error) {
        if (this.#abort.signal.aborted) return undefined;
        logger.warn(
          { code: (error as { code?: unknown }).code },
          'the reseal pass failed; it is tried again in a minute',
        );
        const waited = await new Promise<boolean>((resolve) => {
          this.#timer = setTimeout(() => resolve(true), this.#options.retryMs ?? 60_000);
          this.#timer.unref();
          this.#abort.signal.addEventListener('abort', () => resolve(false), { once: true });
        });
        if (!waited) return undefined;
      }
    }
  }
}
