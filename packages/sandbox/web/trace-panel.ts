/** The trace panel: the WeCom API calls each action caused, as the sandbox recorded them. */
import { el } from './dom-builder.js';
import type { CallRecord } from './sandbox-api.js';

const API_PREFIX = '/cgi-bin/';

function outcome(call: CallRecord): { text: string; tone: 'ok' | 'warn' | 'bad' } {
  if (call.httpStatus === 0) return { text: 'dropped', tone: 'bad' };
  if (call.errcode === null) return { text: `HTTP ${call.httpStatus}`, tone: 'bad' };
  if (call.errcode === 0) return { text: 'errcode 0', tone: 'ok' };
  return { text: `errcode ${call.errcode}`, tone: call.errcode === -1 ? 'warn' : 'bad' };
}

function formatQuery(query: Record<string, string>): string {
  return Object.entries(query)
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

function callRow(call: CallRecord): HTMLLIElement {
  const { text, tone } = outcome(call);
  const api = call.path.startsWith(API_PREFIX) ? call.path.slice(API_PREFIX.length) : call.path;
  const query = formatQuery(call.query);
  return el(
    'li',
    {
      class: 'trace-call',
      'data-api': api,
      'data-errcode': call.errcode === null ? '' : String(call.errcode),
    },
    el(
      'div',
      { class: 'trace-call-head' },
      el('span', { class: 'trace-api' }, api),
      el('span', { class: `trace-outcome tone-${tone}` }, text),
      el('span', { class: 'trace-duration' }, `${Math.round(call.durationMs)} ms`),
    ),
    query === '' ? null : el('code', { class: 'trace-query' }, `${call.method} ?${query}`),
  );
}

/** Renders trace groups into `list`, newest first. */
export class TracePanel {
  private seen = 0;

  constructor(private readonly list: HTMLOListElement) {}

  /** Starts counting from the sandbox's current total, so older calls are not blamed on the next action. */
  sync(total: number): void {
    this.seen = total;
  }

  /** Adds a group for `action` with the calls recorded since the last sync. */
  add(action: string, outcomeText: string, total: number, recent: CallRecord[]): void {
    const fresh = Math.min(Math.max(total - this.seen, 0), recent.length);
    this.seen = total;
    const calls = fresh === 0 ? [] : recent.slice(-fresh);
    const group = el(
      'li',
      { class: 'trace-group' },
      el(
        'div',
        { class: 'trace-group-head' },
        el('span', { class: 'trace-action' }, action),
        el('span', { class: 'trace-result' }, outcomeText),
      ),
      calls.length === 0
        ? el('p', { class: 'trace-none' }, 'No WeCom calls: the gateway answered from its own state.')
        : el('ol', { class: 'trace-calls' }, ...calls.map(callRow)),
    );
    this.list.prepend(group);
    this.list.closest('section')?.classList.remove('is-empty');
  }

  clear(): void {
    this.list.replaceChildren();
    this.list.closest('section')?.classList.add('is-empty');
  }
}
