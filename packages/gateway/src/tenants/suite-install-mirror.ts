/**
 * An in-process mirror of the corps that installed a third-party app, so that every login and every verify knows
 * whether a corp is served without a store round trip. It is read from the store at start (paged: thousands of
 * corps), kept current by the store's install feed, and re-read after the feed reports a gap (a Redis reconnect) or
 * a read of the feed's change fails. An uninstall made by any instance thus reaches every instance's verifies within
 * the feed's latency.
 *
 * A re-read in the background is tried again until it succeeds (a busy store that times out one read must not leave
 * the instance with half the corps for good), and only one runs at a time: a burst of installs that a slow store
 * answers late fails many feed reads at once, and a full re-read for each would only slow the store further.
 */
import type { SuiteInstallChange, SuiteInstallRecord, SuiteStore } from '@wecom-auth/store';

/** What the mirror keeps of one install: enough to admit tokens and to open the corp's permanent code. */
export interface MirroredInstall {
  readonly corpId: string;
  readonly corpName: string;
  /** When this installation began (epoch ms): tokens signed before it belong to an earlier one. */
  readonly installedAt: number;
  /** The sealed permanent code; opened only when the corp's WeCom client is made. */
  readonly permanentCodeCiphertext: string;
}

export interface SuiteInstallMirrorOptions {
  readonly suiteId: string;
  readonly suites: Pick<SuiteStore, 'listInstalls' | 'install' | 'subscribeInstalls'>;
  /** Told of every corp whose install changed or ended (to drop its cached client). */
  readonly onChange: (corpId: string) => void;
  /** Told of a failed store read: a feed read (once per gap) or a re-read (each attempt). */
  readonly onError: (error: unknown) => void;
  /** Pause before trying a failed background re-read again, doubling up to `maxMs`. Default 1 s to 30 s. */
  readonly resyncRetry?: { readonly baseMs: number; readonly maxMs: number };
}

/** Installs are read this many at a time at start and on a resync. */
const pageSize = 1000;

const defaultResyncRetry = { baseMs: 1_000, maxMs: 30_000 };

function mirrored(record: SuiteInstallRecord): MirroredInstall {
  return {
    corpId: record.corpId,
    corpName: record.corpName,
    installedAt: record.installedAt,
    permanentCodeCiphertext: record.permanentCodeCiphertext,
  };
}

export class SuiteInstallMirror {
  readonly #options: SuiteInstallMirrorOptions;
  #installs = new Map<string, MirroredInstall>();
  #ready = false;
  /** Bumped by every event that makes the mirror doubtful, as in the revocation mirror. */
  #generation = 0;
  #unsubscribe: (() => Promise<void>) | undefined;
  /** Changes seen per corp: a store read started before a later change of that corp must not overwrite it. */
  #changes = 0;
  readonly #lastChange = new Map<string, number>();
  /**
   * One per re-read under way: what was applied to the mirror while it read the store. Its pages may have been read
   * before those changes, so they are laid over what it read instead of being lost when it replaces the mirror.
   */
  readonly #appliedDuringResync = new Set<Map<string, MirroredInstall | undefined>>();
  /** Between start and stop: background re-reads run only then. */
  #running = false;
  /** The background re-read loop, while it runs or waits to try again. */
  #resyncLoop: Promise<void> | undefined;
  /** Another background re-read was asked for since the loop's current one began. */
  #resyncWanted = false;
  /** Ends the loop's wait before its next attempt (on stop). */
  #endPause: (() => void) | undefined;

  constructor(options: SuiteInstallMirrorOptions) {
    this.#options = options;
  }

  /** True once the installs were read and the feed is followed without a known gap. */
  get ready(): boolean {
    return this.#ready;
  }

  get size(): number {
    return this.#installs.size;
  }

  get(corpId: string): MirroredInstall | undefined {
    return this.#installs.get(corpId);
  }

  /** Subscribes to the feed (once), then reads every install. Safe to call again after a failure. */
  async start(): Promise<void> {
    this.#running = true;
    this.#unsubscribe ??= await this.#options.suites.subscribeInstalls(
      (change) => this.#follow(change),
      () => {
        this.#generation += 1;
        this.#ready = false;
        this.#requestResync();
      },
    );
    await this.resync();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#endPause?.();
    await this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#ready = false;
    await this.#resyncLoop;
  }

  /** Re-reads every install of the suite, replacing what the mirror held. Rejects when the store fails. */
  async resync(): Promise<void> {
    const generation = this.#generation;
    const { suiteId, suites } = this.#options;
    const next = new Map<string, MirroredInstall>();
    const appliedMeanwhile = new Map<string, MirroredInstall | undefined>();
    this.#appliedDuringResync.add(appliedMeanwhile);
    try {
      let after: string | undefined;
      for (;;) {
        const page = await suites.listInstalls(suiteId, {
          ...(after === undefined ? {} : { after }),
          limit: pageSize,
        });
        for (const record of page) next.set(record.corpId, mirrored(record));
        const last = page.at(-1);
        if (page.length < pageSize || last === undefined) break;
        after = last.corpId;
      }
    } finally {
      this.#appliedDuringResync.delete(appliedMeanwhile);
    }
    for (const [corpId, install] of appliedMeanwhile) {
      if (install === undefined) next.delete(corpId);
      else next.set(corpId, install);
    }
    const before = this.#installs;
    this.#installs = next;
    for (const corpId of new Set([...before.keys(), ...next.keys()])) {
      if (before.get(corpId)?.permanentCodeCiphertext !== next.get(corpId)?.permanentCodeCiphertext) {
        this.#options.onChange(corpId);
      }
    }
    if (generation === this.#generation) this.#ready = true;
  }

  /** Applies a change this instance made itself, at once, without waiting for the feed to echo it. */
  apply(corpId: string, record: SuiteInstallRecord | undefined): void {
    const install = record === undefined ? undefined : mirrored(record);
    if (install === undefined) this.#installs.delete(corpId);
    else this.#installs.set(corpId, install);
    for (const appliedMeanwhile of this.#appliedDuringResync) appliedMeanwhile.set(corpId, install);
    this.#options.onChange(corpId);
  }

  #follow(change: SuiteInstallChange): void {
    if (change.suiteId !== this.#options.suiteId) return;
    this.#changes += 1;
    const seen = this.#changes;
    this.#lastChange.set(change.corpId, seen);
    if (change.kind === 'uninstalled') {
      // Ended at once: the corp's tokens must stop verifying now, not after a store read.
      this.#lastChange.delete(change.corpId);
      this.apply(change.corpId, undefined);
      return;
    }
    const generation = this.#generation;
    this.#options.suites
      .install(this.#options.suiteId, change.corpId)
      .then((record) => {
        // A resync that began meanwhile, or a later change of this corp, has the newer truth.
        if (generation !== this.#generation || this.#lastChange.get(change.corpId) !== seen) return;
        this.#lastChange.delete(change.corpId);
        this.apply(change.corpId, record);
      })
      .catch((error: unknown) => {
        this.#generation += 1;
        this.#ready = false;
        // Once per gap: the re-read asked for covers every feed read that fails until it has run.
        if (this.#resyncLoop === undefined) this.#options.onError(error);
        this.#requestResync();
      });
  }

  /** Has the background loop re-read the store (again, if it is under way: it may have read before the cause). */
  #requestResync(): void {
    this.#resyncWanted = true;
    if (this.#resyncLoop !== undefined || !this.#running) return;
    this.#resyncLoop = this.#runResyncs();
  }

  async #runResyncs(): Promise<void> {
    const retry = this.#options.resyncRetry ?? defaultResyncRetry;
    let pauseMs = retry.baseMs;
    try {
      while (this.#resyncWanted && this.#running) {
        this.#resyncWanted = false;
        try {
          await this.resync();
          pauseMs = retry.baseMs;
        } catch (error) {
          this.#options.onError(error);
          this.#resyncWanted = true;
          await this.#pause(pauseMs);
          pauseMs = Math.min(retry.maxMs, pauseMs * 2);
        }
      }
    } finally {
      // Cleared in the same turn as the loop's last check, so a request made after it starts a new loop.
      this.#resyncLoop = undefined;
    }
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const end = (): void => {
        clearTimeout(timer);
        this.#endPause = undefined;
        resolve();
      };
      const timer = setTimeout(end, ms);
      // A pending retry alone must not keep the process alive.
      timer.unref();
      this.#endPause = end;
    });
  }
}
