/**
 * The catalog is the only place a code gets its status, so it must cover every status the gateway can answer with
 * an error, and give each code a status that is an error.
 */
import { gatewayErrorCatalog, gatewayErrorCodes } from '@wecom-auth/gateway';
import { type GatewayUnderTest, startGatewayUnderTest } from '@wecom-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorStatuses } from '../src/routes/schemas.js';

const catalogStatuses: ReadonlySet<number> = new Set(
  Object.values(gatewayErrorCatalog).map((entry): number => entry.status),
);

describe('the error catalog', () => {
  let t: GatewayUnderTest;
  beforeAll(async () => {
    t = await startGatewayUnderTest();
  });
  afterAll(() => t.close());

  it.each(gatewayErrorCodes)('gives %s an HTTP error status (4xx or 5xx)', (code) => {
    const { status } = gatewayErrorCatalog[code];
    expect(Number.isInteger(status)).toBe(true);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThanOrEqual(599);
  });

  it('has a code for every error status of the route schemas', () => {
    const statuses: number[] = [...errorStatuses];
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.filter((status) => !catalogStatuses.has(status))).toEqual([]);
  });

  it('has a code for every error status the OpenAPI document promises', async () => {
    const answer = await t.call('GET', '/openapi.json');
    const paths = (answer.body as { paths: Record<string, Record<string, { responses?: object }>> }).paths;
    const statuses = new Set<number>();
    for (const operations of Object.values(paths)) {
      for (const operation of Object.values(operations)) {
        for (const status of Object.keys(operation.responses ?? {})) {
          if (Number(status) >= 400) statuses.add(Number(status));
        }
      }
    }
    expect(statuses.size).toBeGreaterThan(0);
    expect([...statuses].filter((status) => !catalogStatuses.has(status))).toEqual([]);
  });
});
