/**
 * Records the steps of one user action for the trace: each `wx.qy` call of the phone, and each gateway answer with
 * the WeCom calls the sandbox logged while the gateway worked on it.
 */
import type { ObservedRequest, PhoneMember, QyApi, WxObserver } from './browser-wx.js';
import type { CallRecord, CallSummary, DirectoryCorp } from './sandbox-api.js';
import { text } from './simulator-text.js';
import type { TracePanel, TraceStep } from './trace-panel.js';

const QY_NOTES: Record<QyApi, (who: string) => string> = {
  'qy.login': text.notes.login,
  'qy.getMobile': text.notes.mobile,
  'qy.getEmail': text.notes.email,
  'qy.getEnterpriseUserInfo': text.notes.userInfo,
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

/** Collects the steps of the action under way; outside an action it records nothing. */
export class ActionRecorder {
  private steps: TraceStep[] | undefined;

  /** Hand this to every phone: it writes into the action under way. */
  readonly observer: WxObserver = {
    qy: (member, api, failure) => {
      this.steps?.push({ kind: 'wx', api, note: QY_NOTES[api](this.memberLabel(member)), failure });
    },
    answered: async (request, answer) => {
      const steps = this.steps;
      if (steps === undefined) return;
      let calls: CallRecord[] = [];
      try {
        // The gateway answered, so the WeCom calls it made for this request are in the sandbox's log by now.
        calls = this.options.trace.take(await this.options.calls());
      } catch {
        // The sweep at the end of the action reports a sandbox that does not answer.
      }
      const error = isRecord(answer.data) ? answer.data.error : undefined;
      steps.push({
        kind: 'gateway',
        method: request.method.toUpperCase(),
        path: pathOf(request.url),
        status: answer.statusCode,
        error: answer.statusCode >= 400 && typeof error === 'string' ? error : undefined,
        notes: this.gatewayNotes(steps, request, answer),
        calls,
      });
    },
    unanswered: (request, reason) => {
      this.steps?.push({
        kind: 'gateway',
        method: request.method.toUpperCase(),
        path: pathOf(request.url),
        status: 0,
        error: undefined,
        notes: [text.trace.unreachableNote(reason)],
        calls: [],
      });
    },
  };

  constructor(
    private readonly options: {
      trace: TracePanel;
      corpById: (corpId: string) => DirectoryCorp | undefined;
      calls: () => Promise<CallSummary>;
    },
  ) {}

  /** Starts recording a new action. */
  begin(): void {
    this.steps = [];
  }

  /** Stops recording and returns the action's steps. */
  end(): TraceStep[] {
    const steps = this.steps ?? [];
    this.steps = undefined;
    return steps;
  }

  /** Whether the gateway answered `corp_mismatch` during the action under way. */
  metCorpMismatch(): boolean {
    return this.steps?.some((step) => step.kind === 'gateway' && step.error === 'corp_mismatch') ?? false;
  }

  private corpLabel(corpId: string): string {
    const name = this.options.corpById(corpId)?.name;
    return name === undefined ? corpId : `${name} (${corpId})`;
  }

  private memberLabel(member: PhoneMember): string {
    const corp = this.options.corpById(member.corpId);
    const name = corp?.users.find((user) => user.userid === member.userid)?.name ?? member.userid;
    return text.notes.memberOf(name, corp?.name ?? member.corpId);
  }

  /**
   * What the trace says about a gateway request beyond its status: which corp a login named and why. Only `corpId`
   * and `error` are read: the rest of a body may be a login code, a refresh token or a session.
   */
  private gatewayNotes(
    earlier: readonly TraceStep[],
    request: ObservedRequest,
    answer: { statusCode: number; data: unknown },
  ): string[] {
    const notes: string[] = [];
    const sent = isRecord(request.data) ? request.data.corpId : undefined;
    if (typeof sent === 'string') {
      const afterMismatch = earlier.some((step) => step.kind === 'gateway' && step.error === 'corp_mismatch');
      notes.push(text.notes.sentCorpId(this.corpLabel(sent), afterMismatch));
    }
    const named = isRecord(answer.data) ? answer.data.corpId : undefined;
    if (answer.statusCode === 409 && typeof named === 'string') {
      notes.push(text.notes.belongsTo(this.corpLabel(named)));
    }
    return notes;
  }
}
