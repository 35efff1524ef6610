/**
 * The SDK's gateway error codes are generated from the gateway's catalog (src/gateway-error-codes.ts, by
 * scripts/gateway-error-codes.mjs); these tests fail as soon as the catalog changes without the file being
 * generated again.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatewayErrorCodes } from '@wecom-auth/gateway';
import { afterAll, describe, expect, it } from 'vitest';
import { GATEWAY_ERROR_CODES } from '../src/gateway-error-codes.js';
import { packageDir } from './support/built-sdk.js';

const generator = join(packageDir, 'scripts', 'gateway-error-codes.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'gateway-error-codes-'));

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** Runs the generator's freshness check on `file` and returns its exit status. */
function check(file: string): number {
  try {
    execFileSync(process.execPath, [generator, '--check', file], { cwd: packageDir, stdio: 'pipe' });
    return 0;
  } catch (error) {
    return (error as { status: number }).status;
  }
}

describe('the gateway error codes of the SDK', () => {
  it("are the gateway catalog's codes, in its order", () => {
    expect(GATEWAY_ERROR_CODES).toEqual(gatewayErrorCodes);
  });

  it('are in the file exactly as the generator writes it from the catalog', () => {
    expect(check(join(packageDir, 'src', 'gateway-error-codes.ts'))).toBe(0);
  });

  it('are reported stale when the file lacks a code of the catalog or has one it does not', () => {
    const current = readFileSync(join(packageDir, 'src', 'gateway-error-codes.ts'), 'utf8');
    const missing = join(scratch, 'missing.ts');
    writeFileSync(
      missing,
      current.replaceAll("  'internal_error',\n", '').replace("\n  | 'internal_error'", ''),
    );
    expect(check(missing)).toBe(1);
    const extra = join(scratch, 'extra.ts');
    writeFileSync(
      extra,
      current.replace("  'internal_error',\n", "  'internal_error',\n  'retired_code',\n"),
    );
    expect(check(extra)).toBe(1);
  });
});
