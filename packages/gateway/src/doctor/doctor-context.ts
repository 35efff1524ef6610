/**
 * What the doctor's checks share: how it was asked to run, the configuration once the first check has loaded it, the
 * WeCom upstream (in sandbox mode, a sandbox the doctor started for itself), the corps and the store, opened once and
 * closed at the end.
 */
import { openStore, type Store } from '@wecom-auth/store';
import type { CorpConfig, CorpSettingNames } from '../config/corps.js';
import type { GatewayConfig } from '../config/load-config.js';
import { storeConfigFrom } from '../config/store-config.js';
import { DoctorCorp } from './doctor-corp.js';
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
  readonly corps: readonly CorpConfig[];
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

export class DoctorContext {
  readonly input: DoctorInput;
  readonly now: () => number;
  #config: GatewayConfig | undefined;
  #upstream: DoctorUpstream | undefined;
  #wecom: WecomProbe | undefined;
  #corps: DoctorCorp[] = [];
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

  /** The corps served, the default first; none until the configuration is valid. */
  get corps(): readonly DoctorCorp[] {
    return this.#corps;
  }

  /** The store the configuration selects, opened on first use and closed with the context. */
  store(): Store {
    this.#store ??= openStore(storeConfigFrom(this.config));
    return this.#store;
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
