import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { buildSandboxApp } from '../src/index.js';
import { chromiumAvailable } from './simulator-browser.js';

const builtDir = mkdtempSync(join(tmpdir(), 'wecom-sim-built-'));
const missingDir = join(builtDir, 'not-built');
mkdirSync(builtDir, { recursive: true });
writeFileSync(join(builtDir, 'index.html'), '<!doctype html><title>sim</title>');
writeFileSync(join(builtDir, 'simulator.js'), 'void 0;');
writeFileSync(join(builtDir, 'simulator.css'), 'body{}');
writeFileSync(join(builtDir, 'secret.txt'), 'must not be served');

afterAll(() => rmSync(builtDir, { recursive: true, force: true }));

describe('simulator page', () => {
  const app = buildSandboxApp({ simulator: { assetsDir: builtDir, gatewayUrl: 'http://127.0.0.1:8080/' } });

  it('serves the page at / with a content security policy', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toBe('<!doctype html><title>sim</title>');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it.each([
    ['simulator.js', 'text/javascript; charset=utf-8', 'void 0;'],
    ['simulator.css', 'text/css; charset=utf-8', 'body{}'],
  ])('serves /simulator/%s', async (file, type, body) => {
    const res = await app.inject({ method: 'GET', url: `/simulator/${file}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(type);
    expect(res.body).toBe(body);
  });

  it.each([
    '/simulator/secret.txt',
    '/simulator/index.html',
    '/simulator/..%2Fsecret.txt',
    '/simulator/%2E%2E%2Fsimulator.js',
    '/simulator/toString',
    '/simulator/__proto__',
  ])('refuses %s with a 404', async (url) => {
    const res = await app.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(404);
    expect(res.body).not.toContain('must not be served');
  });

  it('serves nothing but its two assets, whatever the name', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 40 }), async (name) => {
        const res = await app.inject({ method: 'GET', url: `/simulator/${encodeURIComponent(name)}` });
        const allowed = name === 'simulator.js' || name === 'simulator.css';
        expect(res.statusCode).toBe(allowed ? 200 : 404);
        expect(res.body).not.toContain('must not be served');
      }),
      { numRuns: 200 },
    );
  });

  it('tells the page its default gateway', async () => {
    const res = await app.inject({ method: 'GET', url: '/__sandbox/simulator-config' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ gatewayUrl: 'http://127.0.0.1:8080' });
  });

  it('has no default gateway unless given one', async () => {
    const res = await buildSandboxApp().inject({ method: 'GET', url: '/__sandbox/simulator-config' });
    expect(res.json()).toEqual({ gatewayUrl: null });
  });

  it('answers a clear 503 page while the page is not built', async () => {
    const unbuilt = buildSandboxApp({ simulator: { assetsDir: missingDir } });
    for (const url of ['/', '/simulator/simulator.js']) {
      const res = await unbuilt.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(503);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.body).toContain('Run <code>npm run build</code>');
    }
    // The WeCom API keeps working without the page.
    const api = await unbuilt.inject({ method: 'GET', url: '/__sandbox/directory' });
    expect(api.statusCode).toBe(200);
  });

  it.each([
    [{ gatewayUrl: 'ftp://example.com' }, 'simulator.gatewayUrl must be an http or https URL'],
    [{ gatewayUrl: 'not a url' }, 'simulator.gatewayUrl must be an http or https URL'],
    [{ gatewayUrl: 8080 }, 'simulator.gatewayUrl must be an http or https URL'],
    [{ assetsDir: '' }, 'simulator.assetsDir must be a non-empty string'],
    [null, 'simulator must be an object'],
  ])('refuses the option %j', (simulator, message) => {
    expect(() => buildSandboxApp({ simulator: simulator as never })).toThrow(new TypeError(message));
  });
});

describe('browser test policy', () => {
  const absent = join(missingDir, 'chromium');

  it('runs when the browser is there', () => {
    expect(chromiumAvailable(join(builtDir, 'index.html'), 'true')).toBe(true);
  });

  it('skips with a warning when the browser is absent outside CI', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      expect(chromiumAvailable(absent, '')).toBe(false);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining(`${absent} is missing`));
    } finally {
      warn.mockRestore();
    }
  });

  it('fails on CI when the browser is absent', () => {
    expect(() => chromiumAvailable(absent, 'true')).toThrow(`${absent} is missing`);
  });
});
