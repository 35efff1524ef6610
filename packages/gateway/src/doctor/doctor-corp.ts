/**
 * One corp as the doctor's checks see it: its configuration, the settings that name it, and WeCom's answers to the
 * calls several checks rest on, each made once (a second `gettoken` would only add to WeCom's counters).
 */
import type { CorpConfig, CorpSettingNames } from '../config/corps.js';
import { egressIpOf, type WecomAnswer, type WecomProbe } from './wecom-probe.js';

/**
 * A login code no mini program ever received: exchanging it tells whether the app can exchange codes at all
 * (40029, invalid code) or not (40014, 48002), without a real login.
 */
export const madeUpLoginCode = 'wecom-auth-doctor-made-up-code';

export class DoctorCorp {
  #token: Promise<WecomAnswer> | undefined;
  #codeProbe: Promise<WecomAnswer> | undefined;
  #egressIp: string | undefined;

  constructor(
    readonly config: CorpConfig,
    /** Which settings configure the corp; in sandbox mode, descriptions of the demo corp's. */
    readonly names: CorpSettingNames,
    private readonly wecom: WecomProbe,
  ) {}

  get corpId(): string {
    return this.config.corpId;
  }

  /** The IP WeCom said the calls came from, once an answer named it. */
  get egressIp(): string | undefined {
    return this.#egressIp;
  }

  /** WeCom's answer to `gettoken` with the corp's secret. */
  token(): Promise<WecomAnswer> {
    this.#token ??= this.#observe(this.wecom.gettoken(this.config.corpId, this.config.secret));
    return this.#token;
  }

  /** The access token, when `gettoken` gave one. */
  async accessToken(): Promise<string | undefined> {
    const answer = await this.token();
    return answer.errcode === 0 && typeof answer.body.access_token === 'string'
      ? answer.body.access_token
      : undefined;
  }

  /** WeCom's answer to `jscode2session` with a made-up code (`madeUpLoginCode`); undefined without an access token. */
  async codeProbe(): Promise<WecomAnswer | undefined> {
    const accessToken = await this.accessToken();
    if (accessToken === undefined) return undefined;
    this.#codeProbe ??= this.#observe(this.wecom.jscode2session(accessToken, madeUpLoginCode));
    return this.#codeProbe;
  }

  /** Calls WeCom with this corp's access token (the caller made sure there is one). */
  async call(
    use: (wecom: WecomProbe, accessToken: string) => Promise<WecomAnswer>,
  ): Promise<WecomAnswer | undefined> {
    const accessToken = await this.accessToken();
    return accessToken === undefined ? undefined : this.#observe(use(this.wecom, accessToken));
  }

  async #observe(pending: Promise<WecomAnswer>): Promise<WecomAnswer> {
    const answer = await pending;
    this.#egressIp = egressIpOf(answer.errmsg) ?? this.#egressIp;
    return answer;
  }
}
