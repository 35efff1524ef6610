/**
 * `wecom-trusted-ip`: the IP WeCom sees this host as (the `from ip` of its errmsg) is among the app's trusted IPs.
 * Apps created after 2022-06-20 answer 60020 to any call from an IP not on their list; behind NAT or a proxy the IP to
 * add is the one WeCom names, not the host's own.
 */
import { consolePaths } from '../console-paths.js';
import type { CheckOutcome, CorpCheck } from '../doctor-check.js';
import type { DoctorCorp } from '../doctor-corp.js';

function untrusted(corp: DoctorCorp, answer: { errcode: number; errmsg: string }): CheckOutcome {
  const ip = corp.egressIp;
  return {
    verdict: 'fail',
    summary: `WeCom refused calls from ${ip ?? 'this host'}: it is not among the app's trusted IPs.`,
    wecom: { errcode: answer.errcode, errmsg: answer.errmsg },
    details: [
      "Every server that calls WeCom must be listed (apps created after 2022-06-20); behind NAT or a proxy, list the address WeCom names, not the host's own.",
      'The list can only be edited once the app has a trusted domain or a callback URL; a change takes about a minute.',
    ],
    fix: {
      text: `Add ${ip ?? "this host's egress IP"} to the app's trusted IPs.`,
      console: consolePaths.trustedIp,
    },
  };
}

export const wecomTrustedIpCheck: CorpCheck = {
  id: 'wecom-trusted-ip',
  title: 'Trusted IP',
  scope: 'corp',
  needs: ['wecom-credentials'],
  errcodes: [60020],
  async run(_context, corp) {
    const token = await corp.token();
    if (token.errcode === 60020) return untrusted(corp, token);
    const probe = await corp.codeProbe();
    if (probe?.errcode === 60020) return untrusted(corp, probe);
    return {
      verdict: 'pass',
      summary:
        corp.egressIp === undefined
          ? 'The app accepts calls from this host (WeCom did not name the IP it sees).'
          : `The app accepts calls from this host, which WeCom sees as ${corp.egressIp}.`,
    };
  },
};
