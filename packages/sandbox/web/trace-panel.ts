/**
 * The trace panel: per action, what the mini program did on the phone (`wx.qy` APIs, requests to the gateway) and,
 * under each gateway request, the WeCom API calls it caused, as the sandbox recorded them.
 */
import { el } from './dom-builder.js';
import type { CallRecord, CallSummary } from './sandbox-api.js';
import { text } from './simulator-text.js';

const API_PREFIX = '/cgi-bin/';

/** One thing an action did, in order. */
export type TraceStep =
  /** A `wx.qy` API; `note` says for whom, `failure` is its errMsg when it failed. */
  | { kind: 'wx'; api: string; note: string; failure: string | undefined }
  /**
   * A request to the gateway with its answer (`error` is the answer's stable code) and the WeCom calls it caused;
   * `status` 0 when no answer came (the gateway was not reached), with the reason in `notes`.
   */
  | {
      kind: 'gateway';
      method: string;
      path: string;
      status: number;
      error: string | undefined;
      notes: string[];
      calls: CallRecord[];
    }
  /** WeCom calls no gateway request of the action accounts for (e.g. answered after it). */
  | { kind: 'wecom'; calls: CallRecord[] };

type Tone = 'ok' | 'warn' | 'bad';

function callOutcome(call: CallRecord): { label: string; tone: Tone } {
  if (call.httpStatus === 0) return { label: text.trace.dropped, tone: 'bad' };
  if (call.errcode === null) return { label: `HTTP ${call.httpStatus}`, tone: 'bad' };
  if (call.errcode === 0) return { label: 'errcode 0', tone: 'ok' };
  return { label: `errcode ${call.errcode}`, tone: call.errcode === -1 ? 'warn' : 'bad' };
}

function gatewayTone(status: number): Tone {
  if (status >= 200 && status < 300) return 'ok';
  // A 409 is the gateway steering the SDK (corp_mismatch), not a failure of the login.
  return status === 409 ? 'warn' : 'bad';
}

/** Why an action cost no WeCom call: only a gateway that answered can have answered from its own state. */
function noCallsText(steps: readonly TraceStep[]): string {
  const requests = steps.filter((step) => step.kind === 'gateway');
  if (requests.some((step) => step.status === 0)) return text.trace.noCallsUnreachable;
  return requests.length > 0 ? text.trace.noCallsAnswered : text.trace.noCalls;
}

function formatQuery(query: Record<string, string>): string {
  return Object.entries(query)
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

/** Renders trace groups into `list`, newest first. */
export class TracePanel {
  private seen = 0;

  /** `corpName` names a corp id for the reader; the sandbox already masked every secret of a call. */
  constructor(
    private readonly list: HTMLOListElement,
    private readonly corpName: (corpId: string) => string | undefined,
  ) {}

  /** Starts counting from the sandbox's current total, so older calls are not blamed on the next action. */
  sync(total: number): void {
    this.seen = total;
  }

  /** The calls the sandbox recorded since the last sync or take. */
  take(summary: CallSummary): CallRecord[] {
    const fresh = Math.min(Math.max(summary.total - this.seen, 0), summary.recent.length);
    this.seen = summary.total;
    return fresh === 0 ? [] : summary.recent.slice(-fresh);
  }

  /** Adds a group for `action` with its steps. */
  add(action: string, outcomeText: string, steps: readonly TraceStep[]): void {
    const wecomCalls = steps.reduce((sum, step) => sum + (step.kind === 'wx' ? 0 : step.calls.length), 0);
    const group = el(
      'li',
      { class: 'trace-group' },
      el(
        'div',
        { class: 'trace-group-head' },
        el('span', { class: 'trace-action' }, action),
        el('span', { class: 'trace-result' }, outcomeText),
      ),
      steps.length === 0
        ? null
        : el('ol', { class: 'trace-steps' }, ...steps.map((step) => this.stepRow(step))),
      wecomCalls === 0 ? el('p', { class: 'trace-none' }, noCallsText(steps)) : null,
    );
    this.list.prepend(group);
    this.list.closest('section')?.classList.remove('is-empty');
  }

  clear(): void {
    this.list.replaceChildren();
    this.list.closest('section')?.classList.add('is-empty');
  }

  private stepRow(step: TraceStep): HTMLLIElement {
    switch (step.kind) {
      case 'wx':
        return el(
          'li',
          { class: 'trace-step', 'data-kind': 'wx', 'data-api': step.api },
          el(
            'div',
            { class: 'trace-step-head' },
            el('span', { class: 'trace-source source-wx' }, 'wx'),
            el('span', { class: 'trace-step-name' }, step.api),
            el(
              'span',
              { class: `trace-outcome tone-${step.failure === undefined ? 'ok' : 'bad'}` },
              step.failure === undefined ? text.trace.success : text.trace.fail,
            ),
          ),
          el('p', { class: 'trace-note' }, step.failure ?? step.note),
        );
      case 'gateway': {
        const answer =
          step.status === 0
            ? text.trace.unreachable
            : step.error === undefined
              ? String(step.status)
              : `${step.status} ${step.error}`;
        return el(
          'li',
          {
            class: 'trace-step',
            'data-kind': 'gateway',
            'data-status': String(step.status),
            'data-error': step.error ?? '',
          },
          el(
            'div',
            { class: 'trace-step-head' },
            el('span', { class: 'trace-source source-gateway' }, 'gateway'),
            el('span', { class: 'trace-step-name' }, `${step.method} ${step.path}`),
            el('span', { class: `trace-outcome tone-${gatewayTone(step.status)}` }, answer),
          ),
          ...step.notes.map((note) => el('p', { class: 'trace-note' }, note)),
          step.calls.length === 0
            ? null
            : el('ol', { class: 'trace-calls' }, ...step.calls.map((call) => this.callRow(call))),
        );
      }
      case 'wecom':
        return el(
          'li',
          { class: 'trace-step', 'data-kind': 'wecom' },
          el('ol', { class: 'trace-calls' }, ...step.calls.map((call) => this.callRow(call))),
        );
    }
  }

  private callRow(call: CallRecord): HTMLLIElement {
    const outcome = callOutcome(call);
    const api = call.path.startsWith(API_PREFIX) ? call.path.slice(API_PREFIX.length) : call.path;
    const query = formatQuery(call.query);
    const corp = call.corpId === null ? undefined : (this.corpName(call.corpId) ?? call.corpId);
    // gettoken asks for a corp's token; every other call carries one.
    const corpText =
      corp === undefined
        ? null
        : api === 'gettoken'
          ? text.trace.forCorp(corp)
          : text.trace.withTokenOf(corp);
    return el(
      'li',
      {
        class: 'trace-call',
        'data-api': api,
        'data-errcode': call.errcode === null ? '' : String(call.errcode),
        'data-corp': call.corpId ?? '',
      },
      el(
        'div',
        { class: 'trace-call-head' },
        el('span', { class: 'trace-api' }, api),
        el('span', { class: `trace-outcome tone-${outcome.tone}` }, outcome.label),
        el('span', { class: 'trace-duration' }, `${Math.round(call.durationMs)} ms`),
      ),
      corpText === null ? null : el('span', { class: 'trace-corp' }, corpText),
      query === '' ? null : el('code', { class: 'trace-query' }, `${call.method} ?${query}`),
    );
  }
}
