/**
 * What the doctor's checks share: how it was asked to run, the configuration once the first check has loaded it, the
 * WeCom upstream (in sandbox mode, a sandbox the doctor started for itself), the corps or the third-party app, the
 * data keyring, and the store, opened once and closed at the end.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { openStore, type Store } from '@wecom-auth/store';
import type { CorpConfig, CorpSettingNames } from '../config/corps.js';
import { dataKeyringOf } from '../config/data-keys.js';
import type { GatewayConfig } from '../config/load-config.js';
import { storeConfigFrom, usesRedis } from '../config/store-config.js';
import type { SuiteConfig } from '../config/suite.js';
import { suiteKeySource } from '../sandbox-mode.js';
import type { DataKeyring } from '../sessions/data-keyring.js';
import { DoctorCorp } from './doctor-corp.js';
import { DoctorSuite, type SuiteSettingNames } from './doctor-suite.js';
import { WecomProbe } from './wecom-probe.js';

/** How `wecom-auth doctor` runs: the same configuration sources as `serve`, and the optional steps. */
export interface DoctorInput {
  /** The environment, as `serve` reads it. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** A JSON file of settings (`--config`), as `serve` reads it. */
  readonly configFile?: string;
  /** The gateway's public base URL: the callback check calls it as WeCom would, from this host. */
  readonly publicUrl?: string;
  /** Run the login step: prove the whole chain with one employee. */
  readonly login?: boolean;
  /** A `wx.qy.login` code for the login step (implies it). */
  readonly code?: string;
  /** Asks for a login code and resolves with what was pasted (undefined: none). Real WeCom only. */
  readonly askForCode?: (prompt: string) => Promise<string | undefined>;
  /** Where the login step writes what a person should do (the phone simulator's address). */
  readonly say?: (line: string) => void;
  /** The clock, epoch ms. */
  readonly now?: () => number;
}

/** The WeCom side the checks talk to. */
export interface DoctorUpstream {
  readonly mode: 'wecom' | 'sandbox';
  /** The self-built apps' corps, the default first; empty for a third-party app. */
  readonly corps: readonly CorpConfig[];
  /** The third-party app the gateway runs as, when it runs as one (`WECOM_SUITE_*`, or `SANDBOX_APP=suite`). */
  readonly suite: SuiteConfig | undefined;
  readonly miniProgramAppId: string;
  readonly apiBase: string;
  /** In sandbox mode: where `wecom-auth serve` would run its sandbox (the doctor runs its own on a free port). */
  readonly servedSandboxUrl: string | undefined;
}

/** How the demo corps of sandbox mode are named in messages: no setting configures them. */
function sandboxNames(index: number): CorpSettingNames {
  return {
    corpId: `the sandbox's demo corp ${index + 1} (WECOM_CORP_ID unset: sandbox mode)`,
    secret: `the sandbox's demo app secret (WECOM_SECRET unset: sandbox mode)`,
    previousSecrets: 'WECOM_SECRET_FALLBACKS',
    callback: 'the generated callback of sandbox mode',
  };
}

/** The settings that configure a third-party app, by name; in sandbox mode, descriptions of the demo suite's. */
function suiteNames(suite: SuiteConfig, mode: DoctorUpstream['mode']): SuiteSettingNames {
  if (mode === 'sandbox') {
    return {
      suiteId: "the sandbox's demo suite ID (WECOM_SUITE_ID unset: sandbox mode)",
      secret: "the sandbox's demo suite secret (WECOM_SUITE_SECRET unset: sandbox mode)",
      callback: "the sandbox's demo suite Token and EncodingAESKey (sandbox mode)",
    };
  }
  return {
    suiteId: 'WECOM_SUITE_ID',
    secret: suite.secretSetting ?? 'WECOM_SUITE_SECRET',
    callback: 'WECOM_SUITE_TOKEN and WECOM_SUITE_AES_KEY',
  };
}

export class DoctorContext {
  readonly input: DoctorInput;
  readonly now: () => number;
  #config: GatewayConfig | undefined;
  #upstream: DoctorUpstream | undefined;
  #wecom: WecomProbe | undefined;
  #corps: DoctorCorp[] = [];
  #suite: DoctorSuite | undefined;
  #dataKeyring: DataKeyring | undefined;
  #store: Store | undefined;
  readonly #closers: (() => Promise<void>)[] = [];

  constructor(input: DoctorInput) {
    this.input = input;
    this.now = input.now ?? Date.now;
  }

  /** Called by the configuration check once the configuration is valid and its upstream known. */
  configure(config: GatewayConfig, upstream: DoctorUpstream): void {
    this.#config = config;
    this.#upstream = upstream;
    const wecom = new WecomProbe(upstream.apiBase, config.wecomTimeoutMs);
    this.#wecom = wecom;
    this.#corps = upstream.corps.map(
      (corp, index) => new DoctorCorp(corp, corp.settingNames ?? sandboxNames(index), wecom),
    );
    const suite = upstream.suite;
    this.#suite =
      suite === undefined
        ? undefined
        : new DoctorSuite({
            config: suite,
            names: suiteNames(suite, upstream.mode),
            mode: upstream.mode,
            wecom,
            readTicket: async () => this.existingStore()?.suites.ticket(suite.suiteId),
            now: this.now,
          });
  }

  /** The valid configuration: only checks that need `configuration` read it. */
  get config(): GatewayConfig {
    if (this.#config === undefined) throw new Error('the configuration check has not passed');
    return this.#config;
  }

  /** `wecom` or `sandbox` once the configuration is valid. */
  get mode(): DoctorUpstream['mode'] | undefined {
    return this.#upstream?.mode;
  }

  get upstream(): DoctorUpstream {
    if (this.#upstream === undefined) throw new Error('the configuration check has not passed');
    return this.#upstream;
  }

  get wecom(): WecomProbe {
    if (this.#wecom === undefined) throw new Error('the configuration check has not passed');
    return this.#wecom;
  }

  /** The corps served, the default first; none until the configuration is valid, and none for a third-party app. */
  get corps(): readonly DoctorCorp[] {
    return this.#corps;
  }

  /** The third-party app the gateway runs as; undefined for self-built apps and until the configuration is valid. */
  get suite(): DoctorSuite | undefined {
    return this.#suite;
  }

  /**
   * The data keyring as a gateway of this configuration builds it: `WECOM_AUTH_DATA_KEY` or the key derived from the
   * default corp's secret (a third-party app's: its suite secret), and the fallbacks.
   */
  dataKeyring(): DataKeyring {
    const { config, upstream } = this;
    this.#dataKeyring ??= dataKeyringOf({
      dataKey: config.dataKey,
      dataKeyFallbacks: config.dataKeyFallbacks,
      corps: upstream.suite === undefined ? upstream.corps : [suiteKeySource(upstream.suite)],
    });
    return this.#dataKeyring;
  }

  /** The store the configuration selects, opened on first use and closed with the context. */
  store(): Store {
    this.#store ??= openStore(storeConfigFrom(this.config));
    return this.#store;
  }

  /**
   * The store when there is one to read: undefined for a SQLite file not created yet, which holds nothing and which
   * the doctor must not create (the first start does).
   */
  existingStore(): Store | undefined {
    if (!usesRedis(this.config) && !existsSync(resolve(this.config.dbPath))) return undefined;
    return this.store();
  }

  /** Runs `close` when the doctor is done (a sandbox it started, a connection it opened). */
  onClose(close: () => Promise<void>): void {
    this.#closers.push(close);
  }

  async close(): Promise<void> {
    await this.#store?.close();
    for (const close of this.#closers.splice(0).reverse()) await close();
  }
}
