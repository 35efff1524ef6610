/** One API call as recorded in the trace. Secrets in `query` are masked. */
export interface CallRecord {
  /** ISO time on the sandbox clock. */
  at: string;
  method: string;
  path: string;
  /**
   * `null` when the answer carried no errcode (dropped, malformed, 404, bare HTTP error). The successes of
   * get_suite_token and get_corp_token, which carry none on the wire, count as 0.
   */
  errcode: number | null;
  /** 0 when the connection was dropped without an answer. */
  httpStatus: number;
  durationMs: number;
  /**
   * The corp the call acted for: the corp of its access_token (also an expired one), or for gettoken the corp whose
   * secret matched. `null` when no valid credential named one. Lets a trace tell which corp's token a gateway that
   * serves several corps used, without showing the masked token.
   */
  corpId: string | null;
  query: Record<string, string>;
}

/** What `GET /__sandbox/calls` returns. */
export interface CallSummary {
  total: number;
  byPath: Record<string, number>;
  byErrcode: Record<string, number>;
  recent: CallRecord[];
}

const SECRET_PARAMS = new Set(['access_token', 'corpsecret', 'js_code', 'code', 'suite_access_token']);
const RECENT_LIMIT = 200;

/**
 * Masks a secret query value: an ellipsis, whatever the value. No part of it is kept (a prefix of a code or a
 * token narrows a guess and ties a log line to a credential); the trace tells calls apart by corp and time.
 */
export function maskSecret(_value: string): string {
  return '…';
}

/** Keeps only string-ish values, first of repeated ones, with secrets masked. */
export function maskQuery(query: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof query !== 'object' || query === null) return out;
  for (const [key, raw] of Object.entries(query as Record<string, unknown>)) {
    const first: unknown = Array.isArray(raw) ? raw[0] : raw;
    const value = typeof first === 'string' ? first : String(first ?? '');
    out[key] = SECRET_PARAMS.has(key) ? maskSecret(value) : value.slice(0, 200);
  }
  return out;
}

/** Counts every API call and keeps the most recent ones for the trace view. */
export class CallLog {
  private total = 0;
  private byPath = new Map<string, number>();
  private byErrcode = new Map<string, number>();
  private recent: CallRecord[] = [];

  record(call: CallRecord): void {
    this.total += 1;
    this.byPath.set(call.path, (this.byPath.get(call.path) ?? 0) + 1);
    if (call.errcode !== null) {
      const key = String(call.errcode);
      this.byErrcode.set(key, (this.byErrcode.get(key) ?? 0) + 1);
    }
    this.recent.push(call);
    if (this.recent.length > RECENT_LIMIT) this.recent.shift();
  }

  summary(): CallSummary {
    return {
      total: this.total,
      byPath: Object.fromEntries(this.byPath),
      byErrcode: Object.fromEntries(this.byErrcode),
      recent: this.recent.map((call) => ({ ...call, query: { ...call.query } })),
    };
  }

  reset(): void {
    this.total = 0;
    this.byPath = new Map();
    this.byErrcode = new Map();
    this.recent = [];
  }
}
