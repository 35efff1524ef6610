import { describe, expect, it } from 'vitest';
import { CorpLoginBudget } from '../src/edge/corp-login-budget.js';

const corp = 'ww0000000000000001';

describe('CorpLoginBudget in this process', () => {
  it('keeps a fifth of the minute for proven addresses, and forgets the address that logged in least recently', async () => {
    // Five a minute: four for anyone, the fifth for proven addresses only.
    const budget = new CorpLoginBudget({ perMinute: 5, perHour: 1_000, now: () => 1_000, provenMax: 2 });
    budget.proven(corp, '10.0.0.1');
    budget.proven(corp, '10.0.0.2');
    budget.proven(corp, '10.0.0.1');
    // Over the bound of two: 10.0.0.2 proved itself least recently, so it is the one forgotten.
    budget.proven(corp, '10.0.0.3');
    for (let login = 0; login < 4; login += 1) {
      expect(await budget.take(corp, '192.0.2.1')).toEqual({ allowed: true });
    }
    expect(await budget.take(corp, '192.0.2.1')).toEqual({ allowed: false, retryAfterSeconds: 59 });
    expect(await budget.take(corp, '10.0.0.2')).toEqual({ allowed: false, retryAfterSeconds: 59 });
    expect(await budget.take(corp, '10.0.0.1')).toEqual({ allowed: true });
    // The minute is spent for everyone now, proven or not.
    expect(await budget.take(corp, '10.0.0.3')).toEqual({ allowed: false, retryAfterSeconds: 59 });
  });

  it('forgets a proven address after provenForMs', async () => {
    let now = 1_000;
    const budget = new CorpLoginBudget({ perMinute: 5, perHour: 1_000, now: () => now, provenForMs: 10_000 });
    budget.proven(corp, '10.0.0.1');
    for (let login = 0; login < 4; login += 1) await budget.take(corp, '192.0.2.1');
    now += 10_000;
    expect(await budget.take(corp, '10.0.0.1')).toEqual({ allowed: false, retryAfterSeconds: 49 });
  });
});
