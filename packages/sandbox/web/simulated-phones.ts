/**
 * The simulated phones: one per WeCom member (a userid of one corp), each running its own SDK over its own storage,
 * so what the SDK remembers on a device (the session, the corp learnt from a `corp_mismatch`) stays on that phone.
 */
import { createAuth, type WecomAuth } from '@wecom-auth/miniprogram';
import { createBrowserWx, type PhoneMember, type WxObserver } from './browser-wx.js';

// Which phone is in hand survives a reload of the page, as the phones' storage does.
const IN_HAND_KEY = 'simulator:in-hand';

/** One simulated phone. */
export interface Phone {
  readonly member: PhoneMember;
  readonly auth: WecomAuth;
}

function keyOf(member: PhoneMember): string {
  return `${member.corpId}:${member.userid}`;
}

function isMember(value: unknown): value is PhoneMember {
  if (typeof value !== 'object' || value === null) return false;
  const { corpId, userid } = value as Record<string, unknown>;
  return typeof corpId === 'string' && corpId !== '' && typeof userid === 'string' && userid !== '';
}

/** Makes and keeps the phones of one page. */
export class SimulatedPhones {
  private readonly phones = new Map<string, Phone>();
  private readonly storage: Storage;

  constructor(
    private readonly options: {
      gatewayUrl: string;
      observer: WxObserver;
      /** Default: this tab's `sessionStorage`. */
      storage?: Storage;
    },
  ) {
    this.storage = options.storage ?? window.sessionStorage;
  }

  /** The phone of `member`, made on first use. */
  of(member: PhoneMember): Phone {
    const key = keyOf(member);
    const existing = this.phones.get(key);
    if (existing !== undefined) return existing;
    const wx = createBrowserWx({
      member,
      storage: this.storage,
      storagePrefix: `phone:${key}/`,
      observer: this.options.observer,
    });
    const phone: Phone = {
      member: { ...member },
      auth: createAuth({ baseUrl: this.options.gatewayUrl, wx }),
    };
    this.phones.set(key, phone);
    return phone;
  }

  /** The member whose phone was in hand when the page was left, if any. */
  inHand(): PhoneMember | undefined {
    const text = this.storage.getItem(IN_HAND_KEY);
    if (text === null) return undefined;
    try {
      const value: unknown = JSON.parse(text);
      return isMember(value) ? value : undefined;
    } catch {
      return undefined;
    }
  }

  /** Records whose phone is in hand (`undefined`: the phone was put down). */
  setInHand(phone: Phone | undefined): void {
    if (phone === undefined) this.storage.removeItem(IN_HAND_KEY);
    else this.storage.setItem(IN_HAND_KEY, JSON.stringify(phone.member));
  }
}
