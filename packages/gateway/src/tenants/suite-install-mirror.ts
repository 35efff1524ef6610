/**
 * An in-process mirror of the corps that installed a third-party app, so that every login and every verify knows
 * whether a corp is served without a store round trip. It is read from the store at start (paged: thousands of
 * corps), kept current by the store's install feed, and re-read after the feed reports a gap (a Redis reconnect).
 * An uninstall made by any instance thus reaches every instance's verifies within the feed's latency.
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
  readonly onError: (error: unknown) => void;
}

/** Installs are read this many at a time at start and on a resync. */
const pageSize = 1000;

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
    this.#unsubscribe ??= await this.#options.suites.subscribeInstalls(
      (change) => this.#follow(change),
      () => {
        this.#generation += 1;
        this.#ready = false;
        this.resync().catch(this.#options.onError);
      },
    );
    await this.resync();
  }

  async stop(): Promise<void> {
    await this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#ready = false;
  }

  /** Re-reads every install of the suite, replacing what the mirror held. */
  async resync(): Promise<void> {
    const generation = this.#generation;
    const { suiteId, suites } = this.#options;
    const next = new Map<string, MirroredInstall>();
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
    if (record === undefined) this.#installs.delete(corpId);
    else this.#installs.set(corpId, mirrored(record));
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
        this.#options.onError(error);
        this.resync().catch(this.#options.onError);
      });
  }
}
