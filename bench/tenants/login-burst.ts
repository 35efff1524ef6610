/**
 * A burst of logins: all at once (up to `inFlight` in flight), each with a fresh `wx.qy.login` code, round robin
 * over the instances in list order. The logins of one corp follow each other in the list, so they reach different
 * instances at the same moment: each instance finds the corp's token missing at once, and only the store's lock
 * keeps them to one `get_corp_token`.
 */

export interface BurstLogin {
  readonly corpId: string;
  readonly userId: string;
}

export interface BurstResult {
  readonly logins: number;
  /** Logins answered 201. */
  readonly ok: number;
  /** `status error: message` (or the exception) → count, for the logins not answered 201. */
  readonly failures: Readonly<Record<string, number>>;
  readonly durationMs: number;
  /** The distinct corps of the 201 answers (the corp the gateway put in the employee). */
  readonly corpsLoggedIn: number;
  /** Per instance, the distinct corps it logged users of in. */
  readonly corpsPerInstance: readonly number[];
}

export async function loginBurst(input: {
  readonly urls: readonly string[];
  readonly logins: readonly BurstLogin[];
  /** Mints the `wx.qy.login` code of one login. */
  readonly code: (login: BurstLogin) => string;
  readonly inFlight: number;
}): Promise<BurstResult> {
  const { urls, logins } = input;
  const failures: Record<string, number> = {};
  const corps = new Set<string>();
  const corpsPerInstance = urls.map(() => new Set<string>());
  let ok = 0;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < logins.length) {
      const index = next++;
      const login = logins[index] as BurstLogin;
      const instance = index % urls.length;
      let outcome: string;
      try {
        const response = await fetch(`${urls[instance]}/v1/sessions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ code: input.code(login) }),
        });
        const body = (await response.json()) as {
          employee?: { corpId?: string };
          error?: string;
          message?: string;
        };
        outcome = `${response.status} ${body.error ?? ''}: ${body.message ?? ''}`;
        if (response.status === 201 && body.employee?.corpId === login.corpId) {
          ok += 1;
          corps.add(login.corpId);
          corpsPerInstance[instance]?.add(login.corpId);
          continue;
        }
        if (response.status === 201) outcome = '201 for another corp';
      } catch (error) {
        outcome = error instanceof Error ? error.message : String(error);
      }
      failures[outcome] = (failures[outcome] ?? 0) + 1;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(input.inFlight, logins.length) }, lane));
  return {
    logins: logins.length,
    ok,
    failures,
    durationMs: performance.now() - started,
    corpsLoggedIn: corps.size,
    corpsPerInstance: corpsPerInstance.map((set) => set.size),
  };
}
