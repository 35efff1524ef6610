import { z } from 'zod';
import type { RandomSource } from './random-source.js';

/**
 * A fault to inject into API calls. `path` is an exact API path (`/cgi-bin/gettoken`) or `*` for every API.
 * `errcode` answers a WeCom error (optionally with `errmsg` and an HTTP status); `httpStatus` alone answers a bare
 * gateway error page; `malformed` answers 200 with a truncated non-JSON body; `drop` destroys the socket;
 * `delayMs` answers late (and combines with the others). `count` limits how many calls it hits (default unlimited),
 * `probability` (0..1, default 1) how likely a matching call is hit.
 */
export const faultSpecSchema = z
  .strictObject({
    path: z
      .string()
      .refine((p) => p === '*' || p.startsWith('/'), 'must be an API path like /cgi-bin/gettoken or *'),
    errcode: z.number().int().optional(),
    errmsg: z.string().max(2000).optional(),
    httpStatus: z.number().int().min(200).max(599).optional(),
    delayMs: z.number().int().min(0).max(120_000).optional(),
    malformed: z.boolean().optional(),
    drop: z.boolean().optional(),
    count: z.number().int().positive().optional(),
    probability: z.number().min(0).max(1).optional(),
  })
  .refine(
    (f) =>
      f.errcode !== undefined ||
      f.httpStatus !== undefined ||
      f.delayMs !== undefined ||
      f.malformed ||
      f.drop,
    'a fault needs at least one of errcode, httpStatus, delayMs, malformed, drop',
  )
  .refine((f) => !(f.malformed === true && f.drop === true), 'malformed and drop cannot be combined');

export type FaultSpec = z.infer<typeof faultSpecSchema>;

/** A registered fault; `remaining` is `null` when unlimited. */
export interface Fault extends FaultSpec {
  id: string;
  remaining: number | null;
  hits: number;
}

/** Faults in registration order; the first one that matches (and wins its probability draw) applies. */
export class FaultInjector {
  private faults: Fault[] = [];
  private nextId = 1;

  constructor(private readonly random: RandomSource) {}

  add(spec: FaultSpec): Fault {
    const fault: Fault = { ...spec, id: `fault_${this.nextId++}`, remaining: spec.count ?? null, hits: 0 };
    this.faults.push(fault);
    return fault;
  }

  list(): Fault[] {
    return this.faults.map((fault) => ({ ...fault }));
  }

  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((fault) => fault.id !== id);
    return this.faults.length !== before;
  }

  clear(): void {
    this.faults = [];
  }

  /** The fault to apply to a call of `path`, counting it against the fault's `count`. */
  take(path: string): Fault | undefined {
    for (const fault of this.faults) {
      if (fault.path !== '*' && fault.path !== path) continue;
      if (fault.remaining !== null && fault.remaining <= 0) continue;
      if (fault.probability !== undefined && this.random.fraction() >= fault.probability) continue;
      if (fault.remaining !== null) fault.remaining -= 1;
      fault.hits += 1;
      return { ...fault };
    }
    return undefined;
  }
}
