/**
 * Prometheus metrics of one gateway. Labels are closed sets (outcomes, API paths, errcodes, route patterns, the
 * configured corps): never a user id, a token or anything else unbounded or secret.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { type SecurityEventType, securityEventTypes } from '../security-events/security-event.js';
import type { LoginOutcome } from '../sessions/session-service.js';

/** The gateway's Prometheus metrics, served at `/metrics`; one per gateway (each has its own registry). */
export interface GatewayMetrics {
  /** The registry `/metrics` renders. */
  readonly registry: Registry;
  /** Counts a login by outcome and corp (a configured corp id, or `other`). */
  login(outcome: LoginOutcome, corpId: string): void;
  /** Counts and times one call to WeCom, by API path and errcode. */
  wecomCall(call: {
    apiPath: string;
    errcode: number | undefined;
    errorCode: string | undefined;
    durationMs: number;
  }): void;
  /** Counts a fetch of a configured corp's WeCom access token. */
  tokenFetch(outcome: { ok: boolean; durationMs: number; corpId: string }): void;
  /**
   * The latency observer of one route, method and status. prom-client resolves label values on every observation;
   * the request latency is observed on every request, so its few label sets are resolved once and kept.
   */
  requestObserver(route: string, method: string, statusCode: number): (durationSeconds: number) => void;
  /** The number of revoked sessions held in memory. */
  revocationMirrorSize(size: number): void;
  /** Counts a security event by type (whether or not the event log is on). */
  securityEvent(type: SecurityEventType): void;
  /** Counts a security event the store could not take. */
  securityEventLost(): void;
  /** Counts a login shed by the per-corp budget. */
  loginShed(corpId: string): void;
}

/**
 * A fresh set of the gateway's metrics, with Node's default process metrics, for {@link buildGatewayApp}.
 *
 * @example
 * const metrics = createGatewayMetrics();
 */
export function createGatewayMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const logins = new Counter({
    name: 'wecom_auth_logins_total',
    help: 'Logins (POST /v1/sessions) by outcome and corp.',
    labelNames: ['outcome', 'corp'],
    registers: [registry],
  });
  const wecomCalls = new Counter({
    name: 'wecom_auth_wecom_calls_total',
    help: 'HTTP exchanges with WeCom by API path and errcode ("none" when no JSON answer came).',
    labelNames: ['api', 'errcode'],
    registers: [registry],
  });
  const wecomDuration = new Histogram({
    name: 'wecom_auth_wecom_call_duration_seconds',
    help: 'Duration of HTTP exchanges with WeCom.',
    labelNames: ['api'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const tokenFetches = new Counter({
    name: 'wecom_auth_access_token_fetches_total',
    help: 'gettoken calls by outcome and corp (refreshes of the WeCom access_token).',
    labelNames: ['outcome', 'corp'],
    registers: [registry],
  });
  const requests = new Histogram({
    name: 'wecom_auth_http_request_duration_seconds',
    help: 'Gateway request latency by route pattern, method and status.',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const mirror = new Gauge({
    name: 'wecom_auth_revoked_sessions_mirrored',
    help: 'Revoked sessions held by the in-process revocation mirror.',
    registers: [registry],
  });
  const securityEvents = new Counter({
    name: 'wecom_auth_security_events_total',
    help: 'Security events by type (the facts of the security event log).',
    labelNames: ['type'],
    registers: [registry],
  });
  // Every type shows from the start, at 0, so that an alert on a rate does not wait for the first event.
  for (const type of securityEventTypes) securityEvents.inc({ type }, 0);
  const securityEventsLost = new Counter({
    name: 'wecom_auth_security_events_lost_total',
    help: 'Security events the store could not take (it was unavailable): counted here, missing from the log.',
    registers: [registry],
  });
  const loginsShed = new Counter({
    name: 'wecom_auth_logins_shed_total',
    help: "Logins answered 429 login_budget_exhausted because the corp's WeCom budget was spent, by corp.",
    labelNames: ['corp'],
    registers: [registry],
  });
  const requestObservers = new Map<string, (durationSeconds: number) => void>();
  return {
    registry,
    login: (outcome, corpId) => logins.inc({ outcome, corp: corpId }),
    wecomCall: ({ apiPath, errcode, durationMs }) => {
      wecomCalls.inc({ api: apiPath, errcode: errcode === undefined ? 'none' : String(errcode) });
      wecomDuration.observe({ api: apiPath }, durationMs / 1000);
    },
    tokenFetch: ({ ok, corpId }) => tokenFetches.inc({ outcome: ok ? 'success' : 'failure', corp: corpId }),
    requestObserver: (route, method, statusCode) => {
      const key = `${route} ${method} ${statusCode}`;
      let observer = requestObservers.get(key);
      if (!observer) {
        const child = requests.labels({ route, method, status: String(statusCode) });
        observer = (durationSeconds) => child.observe(durationSeconds);
        requestObservers.set(key, observer);
      }
      return observer;
    },
    revocationMirrorSize: (size) => mirror.set(size),
    securityEvent: (type) => securityEvents.inc({ type }),
    securityEventLost: () => securityEventsLost.inc(),
    loginShed: (corpId) => loginsShed.inc({ corp: corpId }),
  };
}
