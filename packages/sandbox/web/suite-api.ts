/** The sandbox's suite control API (`/__sandbox/suites`), as the simulator's suite panel uses it. */

// The shapes are the sandbox's own (type-only imports: nothing of the server reaches the bundle).
import type {
  SuiteAuthCodeResult,
  SuiteEventResult,
  SuiteInstallSummary,
  SuiteSummary,
} from '../src/suite-control.js';
import type { SuiteTicketPush } from '../src/suite-ticket-pusher.js';
import type { EncryptedData } from './sandbox-api.js';
import { call } from './sandbox-api.js';

export type { SuiteInstallSummary, SuiteSummary };

/** A phone's member and the suite whose mini program it opens. */
export interface SuiteMember {
  corpId: string;
  userid: string;
  suiteId: string;
}

const suitePath = (suiteId: string): string => `/__sandbox/suites/${encodeURIComponent(suiteId)}`;

export const suiteApi = {
  list: () => call<{ suites: SuiteSummary[] }>('GET', '/__sandbox/suites'),
  pushTicket: (suiteId: string) => call<SuiteTicketPush>('POST', `${suitePath(suiteId)}/ticket`),
  install: (suiteId: string, corpId: string) =>
    call<SuiteAuthCodeResult>('POST', `${suitePath(suiteId)}/installs`, { corpid: corpId }),
  uninstall: (suiteId: string, corpId: string) =>
    call<SuiteEventResult>('DELETE', `${suitePath(suiteId)}/installs/${encodeURIComponent(corpId)}`),
  /** `wx.qy.login({ suiteId })`: a code of the suite's mini program that only that suite exchanges. */
  login: (member: SuiteMember) =>
    call<{ code: string }>('POST', '/__sandbox/login', {
      corpid: member.corpId,
      userid: member.userid,
      suiteId: member.suiteId,
    }),
  encrypt: (member: SuiteMember, kind: 'mobile' | 'email' | 'userinfo') =>
    call<EncryptedData>('POST', '/__sandbox/encrypt', {
      corpid: member.corpId,
      userid: member.userid,
      suiteId: member.suiteId,
      kind,
    }),
};
