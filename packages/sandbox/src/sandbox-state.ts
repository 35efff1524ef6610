import { createHmac } from 'node:crypto';
import { CallLog } from './call-log.js';
import { CallbackDispatcher } from './callback-dispatcher.js';
import { SandboxClock } from './clock.js';
import { CodeRegistry } from './code-registry.js';
import { DirectoryIndex } from './directory-index.js';
import { FaultInjector } from './fault-injector.js';
import { copyGeneratedDirectory } from './provider-directory.js';
import { RandomSource } from './random-source.js';
import { RateLimiter } from './rate-limiter.js';
import type { ResolvedSandboxOptions } from './sandbox-options.js';
import { SessionRegistry } from './session-registry.js';
import { SuiteRegistry } from './suite-registry.js';
import { SuiteTicketPusher } from './suite-ticket-pusher.js';
import { TokenRegistry } from './token-registry.js';

// Derived ids (encrypted userids, openids) must be stable across runs and machines, so the key is fixed.
const DERIVATION_KEY = 'wecom-auth-sandbox-derived-ids';

/** Everything a running sandbox remembers; {@link SandboxState.reset} puts it back to the start. */
export class SandboxState {
  readonly clock = new SandboxClock();
  readonly random: RandomSource;
  readonly directory: DirectoryIndex;
  readonly tokens: TokenRegistry;
  readonly codes: CodeRegistry;
  /** OAuth (web) codes for auth/getuserinfo; their binding has no mini program. */
  readonly oauthCodes: CodeRegistry;
  readonly sessions = new SessionRegistry();
  readonly limiter: RateLimiter;
  readonly faults: FaultInjector;
  readonly calls = new CallLog();
  readonly callbacks = new CallbackDispatcher(this.clock);
  /** Third-party apps (suites): installs, tickets, suite tokens, auth codes. */
  readonly suites: SuiteRegistry;
  readonly suiteTickets: SuiteTicketPusher;

  constructor(readonly options: ResolvedSandboxOptions) {
    this.random = new RandomSource(options.seed);
    // A private copy: the control API edits the directory, and fixtures (the demo one) are shared by sandboxes.
    // A generated directory is built afresh from its recipe, much faster than cloning ten thousand corps.
    this.directory = new DirectoryIndex(
      copyGeneratedDirectory(options.directory) ?? structuredClone(options.directory),
    );
    this.tokens = new TokenRegistry(this.clock, this.random, options.tokenLifetimeSeconds);
    this.codes = new CodeRegistry(this.clock, this.random);
    this.oauthCodes = new CodeRegistry(this.clock, this.random);
    this.limiter = new RateLimiter(this.clock, options.limits);
    this.faults = new FaultInjector(this.random);
    this.suites = new SuiteRegistry(
      options.suites,
      this.clock,
      this.random,
      options.seed,
      options.tokenLifetimeSeconds,
    );
    this.suiteTickets = new SuiteTicketPusher(this.suites, this.callbacks, this.clock);
  }

  /** `wo` + 30 characters, stable per (user, mini program): what jscode2session returns for outsiders. */
  encryptedUserId(corpId: string, userid: string, miniProgramAppId: string): string {
    const digest = createHmac('sha256', DERIVATION_KEY)
      .update(`${corpId}\u0000${userid.toLowerCase()}\u0000${miniProgramAppId}`)
      .digest('base64url');
    return `wo${digest.slice(0, 30)}`;
  }

  /**
   * `wo` + 30 characters, stable per (provider, corp, user): the same for every suite of one provider, different
   * across providers, and never equal to the userid (wecom-api.md §4.4).
   */
  openUserId(providerCorpId: string, corpId: string, userid: string): string {
    const digest = createHmac('sha256', DERIVATION_KEY)
      .update(`open_userid\u0000${providerCorpId}\u0000${corpId}\u0000${userid.toLowerCase()}`)
      .digest('base64url');
    return `wo${digest.slice(0, 30)}`;
  }

  /** A stable WeChat-style openid for user/convert_to_openid. */
  openId(corpId: string, userid: string): string {
    const digest = createHmac('sha256', DERIVATION_KEY)
      .update(`openid\u0000${corpId}\u0000${userid.toLowerCase()}`)
      .digest('base64url');
    return `o${digest.slice(0, 27)}`;
  }

  /** A stable external_userid (`wm` + 30 characters) for people outside the corp. */
  externalUserId(corpId: string, userid: string, viewerCorpId: string): string {
    const digest = createHmac('sha256', DERIVATION_KEY)
      .update(`external\u0000${corpId}\u0000${userid.toLowerCase()}\u0000${viewerCorpId}`)
      .digest('base64url');
    return `wm${digest.slice(0, 30)}`;
  }

  reset(): void {
    this.clock.reset();
    this.random.reset();
    this.tokens.clear();
    this.codes.clear();
    this.oauthCodes.clear();
    this.sessions.clear();
    this.limiter.reset();
    this.faults.clear();
    this.calls.reset();
    this.callbacks.reset();
    this.suites.reset();
    this.suiteTickets.restart();
  }
}
