import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig, renderSettingsTable } from '@wecom-auth/gateway';
import { gatewayCliArgs } from '@wecom-auth/testing';
import { describe, expect, it } from 'vitest';

describe('configuration', () => {
  it('runs in sandbox mode without credentials, with documented defaults', () => {
    const config = loadConfig({ env: {} });
    expect(config).toMatchObject({
      mode: 'sandbox',
      credentials: undefined,
      port: 8080,
      host: '127.0.0.1',
      sandboxPort: 9000,
      dbPath: './data/wecom-auth.db',
      accessTokenTtl: 900,
      refreshTokenTtl: 2_592_000,
      profileCacheTtl: 600,
      loginRateLimit: 600,
      trustProxy: false,
      corsOrigins: [],
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads credentials and typed values from the environment', () => {
    const config = loadConfig({
      env: {
        WECOM_CORP_ID: 'ww0123456789abcdef',
        WECOM_SECRET: 's3cret',
        WECOM_MINIPROGRAM_APPID: 'wx0123456789abcdef',
        PORT: '9090',
        TRUST_PROXY: 'true',
        CORS_ORIGINS: 'https://a.example, https://b.example',
      },
    });
    expect(config).toMatchObject({ mode: 'wecom', port: 9090, trustProxy: true });
    expect(config.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.credentials).toEqual({
      corpId: 'ww0123456789abcdef',
      secret: 's3cret',
      miniProgramAppId: 'wx0123456789abcdef',
    });
  });

  it('lists every problem at once and never echoes a secret', () => {
    let error: unknown;
    try {
      loadConfig({
        env: {
          WECOM_SECRET: 'do-not-print-me',
          PORT: 'eighty',
          ACCESS_TOKEN_TTL: '5',
          WECOM_API_BASE: 'not a url',
          REDIS_URL: 'http://user:do-not-print-me-either@host',
          LOG_LEVEL: 'loud',
        },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PORT: /),
        expect.stringMatching(/^ACCESS_TOKEN_TTL: /),
        expect.stringMatching(/^WECOM_API_BASE: /),
        expect.stringMatching(/^REDIS_URL: /),
        expect.stringMatching(/^LOG_LEVEL: /),
        'WECOM_CORP_ID: required when a secret is set',
        'WECOM_MINIPROGRAM_APPID: required when credentials are set',
      ]),
    );
    expect(message).not.toContain('do-not-print-me');
  });

  it('the CLI exits with code 2 and the list, without a stack trace', () => {
    const result = spawnSync(process.execPath, gatewayCliArgs('serve'), {
      env: { ...process.env, PORT: 'x', WECOM_CORP_ID: 'nope' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('Invalid configuration:');
    expect(result.stderr).toContain('PORT:');
    expect(result.stderr).toContain('WECOM_CORP_ID:');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('the README configuration table is the one generated from the schema', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(renderSettingsTable());
  });
});
