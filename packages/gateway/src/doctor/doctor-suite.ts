/**
 * The third-party (suite) app as the doctor's checks see it: its configuration, the settings that name it, the newest
 * suite_ticket the store holds, and WeCom's answer to `get_suite_token`, asked once for every check that rests on it
 * (a second call would only replace the suite_access_token the gateway holds).
 *
 * The ticket is the one the gateway would give: the newest stored, while it is younger than its 30 minutes. In
 * sandbox mode the doctor talks to a sandbox of its own, which never issued the stored tickets (they come from the
 * sandbox `wecom-auth serve` started), so there the doctor's sandbox issues one, as its provider console does.
 */
import type { SuiteTicketRecord } from '@wecom-auth/store';
import type { SuiteConfig } from '../config/suite.js';
import { type TicketState, ticketState } from '../tenants/stored-suite-ticket.js';
import {
  describeFetchFailure,
  egressIpOf,
  type WecomAnswer,
  type WecomProbe,
  WecomProbeError,
} from './wecom-probe.js';

/** The settings that configure the suite, by name, for the fixes; in sandbox mode, descriptions of the demo suite's. */
export interface SuiteSettingNames {
  /** `WECOM_SUITE_ID`. */
  readonly suiteId: string;
  /** `WECOM_SUITE_SECRET`, or `WECOM_SUITE_SECRET_FILE` when the secret came from a file. */
  readonly secret: string;
  /** The instruction callback's Token and EncodingAESKey. */
  readonly callback: string;
}

/** What `get_suite_token` was given, and what WeCom answered. */
export type SuiteTokenAttempt =
  | {
      /** No usable ticket (none stored, or the newest older than 30 minutes): WeCom was not called. */
      readonly called: false;
      readonly ticket: Exclude<TicketState, { state: 'fresh' }>;
    }
  | {
      readonly called: true;
      /** `store`: the newest stored ticket, as the gateway gives it; `sandbox`: one the doctor's sandbox issued. */
      readonly ticketFrom: 'store' | 'sandbox';
      readonly answer: WecomAnswer;
    };

/** How a {@link DoctorSuite} reaches what it needs. */
export interface DoctorSuiteOptions {
  /** The suite's credentials, as the configuration resolved them. */
  readonly config: SuiteConfig;
  /** The settings that configure it, for the fixes. */
  readonly names: SuiteSettingNames;
  /** `sandbox`: the doctor's own sandbox, which issues the ticket `get_suite_token` is asked with. */
  readonly mode: 'wecom' | 'sandbox';
  /** WeCom, as the doctor calls it. */
  readonly wecom: WecomProbe;
  /** The newest stored ticket of the suite (undefined: none, or no store yet). */
  readonly readTicket: () => Promise<SuiteTicketRecord | undefined>;
  /** The clock, epoch ms: what a ticket's age is measured against. */
  readonly now: () => number;
}

/**
 * The third-party app of a doctor run (`context.suite`): the checks' one way to its stored ticket and to WeCom with
 * its token.
 *
 * @example
 * const attempt = await context.suite?.token();
 * if (attempt?.called && attempt.answer.errcode === 40080) console.log('wrong suite secret');
 */
export class DoctorSuite {
  readonly #options: DoctorSuiteOptions;
  #ticket: Promise<SuiteTicketRecord | undefined> | undefined;
  #token: Promise<SuiteTokenAttempt> | undefined;
  #egressIp: string | undefined;

  constructor(options: DoctorSuiteOptions) {
    this.#options = options;
  }

  /** The suite's credentials. */
  get config(): SuiteConfig {
    return this.#options.config;
  }

  /** The SuiteID. */
  get suiteId(): string {
    return this.#options.config.suiteId;
  }

  /** The settings that configure the suite, by name. */
  get names(): SuiteSettingNames {
    return this.#options.names;
  }

  /** The IP WeCom said the calls came from, once an answer named it. */
  get egressIp(): string | undefined {
    return this.#egressIp;
  }

  /** The newest ticket the store holds, however old; read once. Rejects when the store cannot be read. */
  storedTicket(): Promise<SuiteTicketRecord | undefined> {
    this.#ticket ??= this.#options.readTicket();
    return this.#ticket;
  }

  /** Where the stored ticket stands now. */
  async ticketState(): Promise<TicketState> {
    return ticketState(await this.storedTicket(), this.#options.now());
  }

  /**
   * `get_suite_token` with the suite's id and secret and the ticket the gateway would give, asked once. Rejects with
   * `WecomProbeError` when WeCom did not answer, and with the store's error when the ticket cannot be read.
   */
  token(): Promise<SuiteTokenAttempt> {
    this.#token ??= this.#askForToken();
    return this.#token;
  }

  /** The suite_access_token, when `get_suite_token` gave one. */
  async accessToken(): Promise<string | undefined> {
    const attempt = await this.token();
    if (!attempt.called || attempt.answer.errcode !== 0) return undefined;
    const token = attempt.answer.body.suite_access_token;
    return typeof token === 'string' ? token : undefined;
  }

  /** Calls WeCom with the suite_access_token (undefined when there is none). */
  async call(
    use: (wecom: WecomProbe, suiteAccessToken: string) => Promise<WecomAnswer>,
  ): Promise<WecomAnswer | undefined> {
    const suiteAccessToken = await this.accessToken();
    return suiteAccessToken === undefined
      ? undefined
      : this.#observe(use(this.#options.wecom, suiteAccessToken));
  }

  async #askForToken(): Promise<SuiteTokenAttempt> {
    const { config, wecom, mode } = this.#options;
    if (mode === 'sandbox') {
      const ticket = await this.#sandboxTicket();
      const answer = await this.#observe(wecom.getSuiteToken(config.suiteId, config.suiteSecret, ticket));
      return { called: true, ticketFrom: 'sandbox', answer };
    }
    const record = await this.storedTicket();
    if (record === undefined) return { called: false, ticket: { state: 'missing' } };
    const state = ticketState(record, this.#options.now());
    if (state.state !== 'fresh') return { called: false, ticket: state };
    const answer = await this.#observe(
      wecom.getSuiteToken(config.suiteId, config.suiteSecret, record.ticket),
    );
    return { called: true, ticketFrom: 'store', answer };
  }

  /** A ticket the doctor's own sandbox issues (its control API: the provider console's 刷新ticket). */
  async #sandboxTicket(): Promise<string> {
    const { wecom, config } = this.#options;
    const url = `${wecom.apiBase.replace(/\/+$/, '')}/__sandbox/suites/${encodeURIComponent(config.suiteId)}/ticket`;
    let body: { ticket?: unknown; message?: unknown };
    try {
      const response = await fetch(url, { method: 'POST', signal: AbortSignal.timeout(10_000) });
      body = (await response.json()) as typeof body;
    } catch (error) {
      throw new WecomProbeError(`the sandbox issued no suite_ticket (${describeFetchFailure(error)})`, {
        cause: error,
      });
    }
    if (typeof body.ticket !== 'string') {
      throw new WecomProbeError(
        `the sandbox issued no suite_ticket: ${typeof body.message === 'string' ? body.message : 'no ticket in its answer'}`,
      );
    }
    return body.ticket;
  }

  async #observe(pending: Promise<WecomAnswer>): Promise<WecomAnswer> {
    const answer = await pending;
    this.#egressIp = egressIpOf(answer.errmsg) ?? this.#egressIp;
    return answer;
  }
}
