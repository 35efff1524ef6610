import { parse } from 'acorn';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBundle, bundleText, loadBuiltSdk } from './support/built-sdk.js';

let buildOutput: string;
let code: string;

beforeAll(() => {
  buildOutput = buildBundle();
  code = bundleText();
});

describe('the built bundle', () => {
  it('parses as ES2015 (no async/await, optional chaining, ??, **, class fields, object spread)', () => {
    expect(() => parse(code, { ecmaVersion: 2015, sourceType: 'script' })).not.toThrow();
    // The parser must really reject later syntax, or the check above proves nothing.
    expect(() => parse('async function f() { await g(); }', { ecmaVersion: 2015 })).toThrow();
    expect(() => parse('a?.b ?? c ** 2', { ecmaVersion: 2015 })).toThrow();
    expect(() => parse('class A { x = 1 }', { ecmaVersion: 2015 })).toThrow();
    expect(() => parse('const o = { ...p }', { ecmaVersion: 2015 })).toThrow();
  });

  it('needs no generator runtime and no ES2017+ library functions', () => {
    expect(code).not.toMatch(/function\s*\*|\byield\b|regeneratorRuntime/);
    for (const later of [
      'Object.entries',
      'Object.values',
      'Object.fromEntries',
      'getOwnPropertyDescriptors',
      '.finally(',
      '.includes(',
      '.padStart(',
      '.flat(',
      '.at(',
      'globalThis',
    ]) {
      expect(code, later).not.toContain(later);
    }
  });

  it('requires nothing: zero dependencies', () => {
    expect(code).not.toMatch(/\brequire\s*\(/);
    expect(code).not.toMatch(/\bimport\s*\(/);
  });

  it('is CommonJS exporting createAuth, WecomAuthError and REFRESH_AHEAD_MS', () => {
    const sdk = loadBuiltSdk();
    expect(typeof sdk.createAuth).toBe('function');
    expect(sdk.REFRESH_AHEAD_MS).toBe(30_000);
    const error = new sdk.WecomAuthError('network_error', 'offline', { statusCode: 503 });
    expect(error).toBeInstanceOf(sdk.WecomAuthError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'WecomAuthError', code: 'network_error', statusCode: 503 });
  });

  it('prints its size against the budget, which it stays under', () => {
    const match = /([\d.]+) KB minified \(budget ([\d.]+) KB\)/.exec(buildOutput);
    expect(match).not.toBeNull();
    expect(Number(match?.[1])).toBeLessThanOrEqual(Number(match?.[2]));
    expect(Number(match?.[2])).toBe(13);
  });
});
