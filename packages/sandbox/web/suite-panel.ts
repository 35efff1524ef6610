/**
 * The suite panel of the phone simulator, shown when the sandbox plays the provider platform for suites (third-party
 * apps, 第三方应用): per suite its suite_ticket (age, next push) with the console's refresh, the companies with an
 * install / uninstall button each, and a login through the suite's mini program for the employee picked on the
 * phone. That login runs on a phone of its own whose `wx.qy.login` is `wx.qy.login({ suiteId })`; the SDK sends the
 * code to the gateway as always (the gateway decides how to exchange it).
 */
import { createAuth, type WxLike, type WxQy } from '@wecom-auth/miniprogram';
import { createBrowserWx, type QyApi, type WxObserver } from './browser-wx.js';
import { el } from './dom-builder.js';
import type { DirectoryCorp, DirectoryUser } from './sandbox-api.js';
import type { Phone } from './simulated-phones.js';
import { type SuiteMember, type SuiteSummary, suiteApi } from './suite-api.js';

/** What the panel needs from the page. */
export interface SuitePanelHooks {
  gatewayUrl: string;
  observer: WxObserver;
  corps: () => readonly DirectoryCorp[];
  /** The employee picked on the phone, with their corp. */
  picked: () => { corp: DirectoryCorp; user: DirectoryUser } | undefined;
  /** Opens the mini program on `phone` (a fresh login through the gateway), as one traced action. */
  open: (phone: Phone, label: string) => Promise<void>;
  /** Runs one traced action; what `work` resolves with is shown to the user. */
  act: (label: string, work: () => Promise<string>) => Promise<void>;
}

// The panel follows the ticket schedule without flooding the sandbox.
const REFRESH_MS = 5_000;

type Callbacks<T> = { success?: (result: T) => void; fail?: (failure: { errMsg?: string }) => void };

function minutes(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const whole = Math.floor(seconds / 60);
  return `${whole} min${seconds % 60 === 0 ? '' : ` ${seconds % 60} s`}`;
}

/** `wx.qy` of a suite phone: the same APIs, for the suite's mini program. */
function suiteQy(member: SuiteMember, observer: WxObserver): WxQy {
  const phoneMember = { corpId: member.corpId, userid: member.userid };
  const run = <T>(api: QyApi, work: Promise<T>, callbacks: Callbacks<T>): void => {
    work.then(
      (result) => {
        observer.qy(phoneMember, api, undefined);
        callbacks.success?.(result);
      },
      (error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        observer.qy(phoneMember, api, reason);
        callbacks.fail?.({ errMsg: `${api}:fail ${reason}` });
      },
    );
  };
  const encrypted =
    (api: QyApi, kind: 'mobile' | 'email' | 'userinfo') =>
    (callbacks: Callbacks<{ encryptedData: string; iv: string }>): void =>
      run(api, suiteApi.encrypt(member, kind), callbacks);
  return {
    login: (callbacks) =>
      run(
        'qy.login',
        suiteApi.login(member).then(({ code }) => ({ code })),
        callbacks,
      ),
    getMobile: encrypted('qy.getMobile', 'mobile'),
    getEmail: encrypted('qy.getEmail', 'email'),
    getEnterpriseUserInfo: encrypted('qy.getEnterpriseUserInfo', 'userinfo'),
  };
}

/** The suite panel; {@link SuitePanel.refresh} re-reads the suites. */
export class SuitePanel {
  private suites: SuiteSummary[] = [];
  private readonly phones = new Map<string, Phone>();

  constructor(
    private readonly root: HTMLElement,
    private readonly hooks: SuitePanelHooks,
  ) {}

  /**
   * Reads the suites and shows the panel when there are any; keeps it current (a sandbox without suites is left alone).
   */
  async start(): Promise<void> {
    await this.refresh();
    if (this.suites.length === 0) return;
    setInterval(() => void this.refresh().catch(() => undefined), REFRESH_MS);
  }

  async refresh(): Promise<void> {
    this.suites = (await suiteApi.list()).suites;
    this.render();
  }

  /** The phone of (suite, member): its own SDK over its own storage, as for self-built logins. */
  private phoneOf(member: SuiteMember): Phone {
    const key = `${member.suiteId}:${member.corpId}:${member.userid}`;
    const existing = this.phones.get(key);
    if (existing !== undefined) return existing;
    const base = createBrowserWx({
      member: { corpId: member.corpId, userid: member.userid },
      storagePrefix: `suite-phone:${key}/`,
      observer: this.hooks.observer,
    });
    const wx: WxLike = { ...base, qy: suiteQy(member, this.hooks.observer) };
    const phone: Phone = {
      member: { corpId: member.corpId, userid: member.userid },
      auth: createAuth({ baseUrl: this.hooks.gatewayUrl, wx }),
    };
    this.phones.set(key, phone);
    return phone;
  }

  private render(): void {
    this.root.hidden = this.suites.length === 0;
    this.root.replaceChildren(
      el('h2', { class: 'panel-title' }, 'Third-party apps'),
      ...this.suites.map((suite) => this.renderSuite(suite)),
    );
  }

  private renderSuite(suite: SuiteSummary): HTMLElement {
    const installs = new Map(suite.installs.map((install) => [install.corpid, install]));
    const ticket =
      suite.ticket === null
        ? 'no ticket yet'
        : `ticket ${minutes(suite.ticket.ageSeconds)} old, valid ${minutes(suite.ticket.expiresInSeconds)} more`;
    const schedule =
      suite.callbackUrl === null
        ? 'no callback URL: tickets are issued on refresh only'
        : `next push in ${minutes(suite.nextTicketPushInSeconds ?? 0)}`;
    return el(
      'div',
      { class: 'suite', 'data-suite': suite.suiteId },
      el('p', { class: 'suite-head' }, el('strong', {}, suite.name), ' ', el('code', {}, suite.suiteId)),
      el(
        'p',
        { class: 'suite-ticket', 'data-ticket': suite.ticket === null ? 'none' : 'live' },
        `${ticket} · ${schedule}`,
      ),
      el(
        'ul',
        { class: 'suite-installs', 'aria-label': `Companies and ${suite.name}` },
        ...this.hooks.corps().map((corp) => {
          const install = installs.get(corp.corpId);
          const installed = install?.status === 'active';
          return el(
            'li',
            { class: 'suite-install', 'data-corpid': corp.corpId, 'data-installed': String(installed) },
            el('span', { class: 'suite-corp' }, corp.name),
            el(
              'em',
              { class: installed ? 'badge is-on' : 'badge' },
              installed ? 'installed' : 'not installed',
            ),
            el(
              'button',
              {
                type: 'button',
                class: `button small${installed ? ' danger' : ''}`,
                onclick: () => void this.toggle(suite, corp, installed),
              },
              installed ? 'Uninstall' : 'Install',
            ),
          );
        }),
      ),
      el(
        'div',
        { class: 'suite-actions' },
        el(
          'button',
          { type: 'button', class: 'button small', onclick: () => void this.pushTicket(suite) },
          'Refresh ticket',
        ),
        el(
          'button',
          { type: 'button', class: 'button small primary', onclick: () => void this.login(suite) },
          `Open ${suite.name} as the picked employee`,
        ),
      ),
      el(
        'p',
        { class: 'panel-hint' },
        'Its mini program sends a suite code to the gateway; members of a company that has not installed it get an encrypted userid.',
      ),
    );
  }

  private async toggle(suite: SuiteSummary, corp: DirectoryCorp, installed: boolean): Promise<void> {
    await this.hooks.act(`${installed ? 'Uninstall' : 'Install'} ${suite.name} · ${corp.name}`, async () => {
      if (installed) {
        const { delivery } = await suiteApi.uninstall(suite.suiteId, corp.corpId);
        await this.refresh();
        return `${corp.name} uninstalled ${suite.name}: cancel_auth ${delivery === null ? 'not sent (no callback URL)' : delivery.state}.`;
      }
      const { delivery } = await suiteApi.install(suite.suiteId, corp.corpId);
      await this.refresh();
      return `${corp.name} installed ${suite.name}: create_auth ${delivery === null ? 'not sent (no callback URL)' : delivery.state}.`;
    });
  }

  private async pushTicket(suite: SuiteSummary): Promise<void> {
    await this.hooks.act(`Refresh the ticket of ${suite.name}`, async () => {
      const { delivery } = await suiteApi.pushTicket(suite.suiteId);
      await this.refresh();
      return delivery === null
        ? 'A new suite_ticket is issued (no callback URL to push it to).'
        : `A new suite_ticket is pushed: ${delivery.state}.`;
    });
  }

  private async login(suite: SuiteSummary): Promise<void> {
    const picked = this.hooks.picked();
    if (picked === undefined) {
      await this.hooks.act(`Open ${suite.name}`, () =>
        Promise.reject(new Error('Pick an employee on the phone first.')),
      );
      return;
    }
    const phone = this.phoneOf({
      corpId: picked.corp.corpId,
      userid: picked.user.userid,
      suiteId: suite.suiteId,
    });
    await this.hooks.open(phone, `Log in to ${suite.name} as ${picked.user.name} · ${picked.corp.name}`);
  }
}

/**
 * Mounts the suite panel into `root` (hidden until the sandbox has suites).
 *
 * @example
 * ```ts
 * void mountSuitePanel(byId('suite-panel'), hooks);
 * ```
 */
export async function mountSuitePanel(root: HTMLElement, hooks: SuitePanelHooks): Promise<SuitePanel> {
  const panel = new SuitePanel(root, hooks);
  await panel.start();
  return panel;
}
