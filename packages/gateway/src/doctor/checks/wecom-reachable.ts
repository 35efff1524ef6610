/**
 * `wecom-reachable`: WeCom answers this host. The API host resolves (DNS), its certificate verifies (TLS: a proxy
 * that intercepts TLS fails here, not in the middle of a login), an empty `gettoken` comes back as WeCom's JSON, and
 * this host's clock agrees with WeCom's: decrypted data and callbacks are judged by their timestamps.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { connect, type PeerCertificate } from 'node:tls';
import type { CheckOutcome, SetupCheck } from '../doctor-check.js';
import { egressIpOf, WecomProbeError } from '../wecom-probe.js';

/** The certificate of `host:port`, or why TLS failed. */
function tlsCertificate(
  host: string,
  port: number,
  timeoutMs: number,
): Promise<{ certificate: PeerCertificate } | { error: string }> {
  return new Promise((resolve) => {
    const socket = connect({
      host,
      port,
      servername: isIP(host) === 0 ? host : undefined,
      timeout: timeoutMs,
    });
    const finish = (result: { certificate: PeerCertificate } | { error: string }): void => {
      socket.destroy();
      resolve(result);
    };
    socket.once('secureConnect', () => finish({ certificate: socket.getPeerCertificate() }));
    socket.once('timeout', () => finish({ error: 'no TLS handshake in time' }));
    socket.once('error', (error: NodeJS.ErrnoException) => finish({ error: error.code ?? error.message }));
  });
}

/** The clock difference in words: small differences are the Date header's one-second grain. */
function describeSkew(skewSeconds: number): string {
  if (Math.abs(skewSeconds) <= 2) return "this host's clock agrees with WeCom's (within 2 s)";
  return `this host's clock is ${Math.abs(skewSeconds)} s ${skewSeconds > 0 ? 'ahead of' : 'behind'} WeCom's`;
}

export const wecomReachableCheck: SetupCheck = {
  id: 'wecom-reachable',
  title: 'WeCom reachable from this host',
  scope: 'setup',
  needs: ['configuration'],
  gatewayErrors: ['wecom_unavailable'],
  async run(context): Promise<CheckOutcome> {
    const { config, upstream, wecom } = context;
    const url = new URL(upstream.apiBase);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const details: string[] = [];
    const fixNetwork = {
      text: 'Let this host reach the WeCom API: DNS, outbound HTTPS (port 443) and any proxy on the way; or correct WECOM_API_BASE.',
      settings: ['WECOM_API_BASE'],
    };

    if (isIP(host) === 0) {
      try {
        const addresses = await lookup(host, { all: true });
        details.push(`${host} resolves to ${addresses.map((entry) => entry.address).join(', ')}.`);
      } catch (error) {
        return {
          verdict: 'fail',
          summary: `${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? 'DNS error'}).`,
          fix: fixNetwork,
        };
      }
    } else {
      details.push(`${host} is an address: no DNS lookup.`);
    }

    if (url.protocol === 'https:') {
      const tls = await tlsCertificate(host, Number(url.port || 443), config.wecomTimeoutMs);
      if ('error' in tls) {
        return {
          verdict: 'fail',
          summary: `TLS to ${url.host} failed (${tls.error}).`,
          details: [
            ...details,
            'A proxy that intercepts TLS needs its CA certificate given to Node.js (NODE_EXTRA_CA_CERTS=/path/ca.pem).',
          ],
          fix: fixNetwork,
        };
      }
      details.push(
        `TLS verified: certificate for ${tls.certificate.subject?.CN ?? host}, valid until ${tls.certificate.valid_to}.`,
      );
    } else {
      details.push('Plain HTTP (no TLS): fine for a sandbox or a local proxy, never for WeCom itself.');
    }

    let answer: Awaited<ReturnType<typeof wecom.call>>;
    try {
      answer = await wecom.call('/cgi-bin/gettoken');
    } catch (error) {
      if (!(error instanceof WecomProbeError)) throw error;
      return { verdict: 'fail', summary: error.message, details, fix: fixNetwork };
    }
    const egressIp = egressIpOf(answer.errmsg);
    if (egressIp !== undefined) details.push(`WeCom sees this host as ${egressIp}.`);
    if (answer.date === undefined) {
      return {
        verdict: 'pass',
        summary: `WeCom answered from ${url.host}; it sent no Date to compare clocks.`,
        details,
      };
    }
    const skewSeconds = Math.round((context.now() - answer.date) / 1000);
    const fixClock = {
      text: "Synchronise this host's clock (NTP: chrony or systemd-timesyncd); the gateway judges decrypted data and callbacks by their timestamps.",
      settings: ['DECRYPT_MAX_FUTURE_SKEW_SECONDS'],
    };
    if (Math.abs(skewSeconds) > config.decryptMaxFutureSkew) {
      return {
        verdict: 'fail',
        summary: `WeCom answered, but ${describeSkew(skewSeconds)}: more than DECRYPT_MAX_FUTURE_SKEW_SECONDS (${config.decryptMaxFutureSkew} s), so decrypted data is refused.`,
        details,
        fix: fixClock,
      };
    }
    if (Math.abs(skewSeconds) > 10) {
      return {
        verdict: 'warn',
        summary: `WeCom answered, but ${describeSkew(skewSeconds)}.`,
        details,
        fix: fixClock,
      };
    }
    return {
      verdict: 'pass',
      summary: `WeCom answered from ${url.host}; ${describeSkew(skewSeconds)}.`,
      details,
    };
  },
};
