import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '@wecom-auth/gateway';
import { gatewayCliArgs } from '@wecom-auth/testing';
import { describe, expect, it } from 'vitest';
import { renderSettingsTable } from '../src/config/settings.js';
import { describeRedis, redisConnectionOf, storeConfigFrom } from '../src/config/store-config.js';

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
      corps: [
        {
          corpId: 'ww0123456789abcdef',
          secret: 's3cret',
          settingNames: {
            corpId: 'WECOM_CORP_ID',
            secret: 'WECOM_SECRET',
            previousSecrets: 'WECOM_SECRET_FALLBACKS',
            callback: 'WECOM_CALLBACK_TOKEN and WECOM_CALLBACK_AES_KEY',
          },
          callback: undefined,
        },
      ],
      miniProgramAppId: 'wx0123456789abcdef',
    });
    expect(config.dataKeyFallbacks).toEqual([]);
  });

  it('reads the previous secrets and data keys of a rotation, and refuses them where they cannot apply', () => {
    const key = (byte: number) => Buffer.alloc(32, byte).toString('base64');
    const config = loadConfig({
      env: {
        WECOM_CORP_ID: 'ww0123456789abcdef',
        WECOM_SECRET: 'new-secret',
        WECOM_SECRET_FALLBACKS: 'old-secret, older-secret',
        WECOM_MINIPROGRAM_APPID: 'wx0123456789abcdef',
        WECOM_AUTH_DATA_KEY: key(1),
        WECOM_AUTH_DATA_KEY_FALLBACKS: `${key(2)},${key(3)}`,
      },
    });
    expect(config.credentials?.corps[0]?.previousSecrets).toEqual(['old-secret', 'older-secret']);
    expect(config.dataKeyFallbacks).toEqual([key(2), key(3)]);

    const problemsOf = (env: Record<string, string>): readonly string[] => {
      try {
        loadConfig({ env });
      } catch (error) {
        return (error as ConfigError).problems;
      }
      return [];
    };
    expect(problemsOf({ WECOM_AUTH_DATA_KEY_FALLBACKS: `${key(2)},c2hvcnQ=` })).toEqual([
      'WECOM_AUTH_DATA_KEY_FALLBACKS: must be comma-separated keys of 32 bytes, base64-encoded',
    ]);
    expect(problemsOf({ WECOM_SECRET_FALLBACKS: 'old-secret' })).toEqual([
      'WECOM_SECRET_FALLBACKS: previous secrets of WECOM_SECRET, which is not set',
    ]);
    expect(
      problemsOf({
        WECOM_CORPS: JSON.stringify([{ corpId: 'ww0123456789abcdef', secret: 'a' }]),
        WECOM_MINIPROGRAM_APPID: 'wx0123456789abcdef',
        WECOM_SECRET_FALLBACKS: 'old-secret',
      }),
    ).toEqual(['WECOM_SECRET_FALLBACKS: with WECOM_CORPS, set previousSecrets on each corp']);
    // Secrets are never echoed, not even the previous ones.
    expect(problemsOf({ WECOM_SECRET_FALLBACKS: 'old-secret' }).join('\n')).not.toContain('old-secret');
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

  it.each([
    [
      'a malformed corp id alone',
      { WECOM_CORP_ID: 'ww123' },
      [
        'WECOM_CORP_ID: must be a corp ID such as ww0123456789abcdef (got "ww123")',
        'WECOM_SECRET: required when WECOM_CORP_ID is set (or WECOM_SECRET_FILE)',
        'WECOM_MINIPROGRAM_APPID: required when credentials are set',
      ],
    ],
    [
      'a malformed corp id with its secret and a malformed appid',
      { WECOM_CORP_ID: 'corp', WECOM_SECRET: 's3cret', WECOM_MINIPROGRAM_APPID: 'app' },
      [
        'WECOM_CORP_ID: must be a corp ID such as ww0123456789abcdef (got "corp")',
        'WECOM_MINIPROGRAM_APPID: must be a mini program appid such as wx0123456789abcdef (got "app")',
      ],
    ],
    [
      'a secret alone',
      { WECOM_SECRET: 's3cret' },
      [
        'WECOM_CORP_ID: required when a secret is set',
        'WECOM_MINIPROGRAM_APPID: required when credentials are set',
      ],
    ],
  ])('reports everything that is wrong with %s, not only the first', (_name, env, problems) => {
    let error: unknown;
    try {
      loadConfig({ env });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual(problems);
  });

  it.each([
    ['PORT', 'abc', 'PORT: must be a port number 1–65535, or 0 for a free one (got "abc")'],
    ['PORT', '65536', 'PORT: must be a port number 1–65535, or 0 for a free one (got "65536")'],
    ['SANDBOX_PORT', '80.5', 'SANDBOX_PORT: must be a port number 1–65535, or 0 for a free one (got "80.5")'],
    ['ACCESS_TOKEN_TTL', 'soon', 'ACCESS_TOKEN_TTL: must be a whole number of seconds 60–86400 (got "soon")'],
    ['ACCESS_TOKEN_TTL', '5', 'ACCESS_TOKEN_TTL: must be a whole number of seconds 60–86400 (got "5")'],
    [
      'WECOM_TIMEOUT_MS',
      'fast',
      'WECOM_TIMEOUT_MS: must be a whole number of milliseconds 100–60000 (got "fast")',
    ],
    [
      'LOGIN_RATE_LIMIT',
      'lots',
      'LOGIN_RATE_LIMIT: must be a whole number of logins per minute 1–1000000 (got "lots")',
    ],
  ])('says what %s=%s should be, in one problem', (name, value, problem) => {
    expect(() => loadConfig({ env: { [name]: value } })).toThrow(ConfigError);
    try {
      loadConfig({ env: { [name]: value } });
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([problem]);
    }
  });

  it('reads a Redis Sentinel or Cluster connection, and refuses settings that contradict each other', () => {
    const sentinel = loadConfig({
      env: {
        REDIS_SENTINELS: '10.0.0.1:26379, [::1]:26380',
        REDIS_SENTINEL_NAME: 'login',
        REDIS_SENTINEL_PASSWORD: 'sentinel-secret',
        REDIS_PASSWORD: 'redis-secret',
        REDIS_WAIT_REPLICAS: '1',
      },
    });
    expect(redisConnectionOf(sentinel)).toEqual({
      redis: { password: 'redis-secret' },
      sentinel: {
        sentinels: [
          { host: '10.0.0.1', port: 26379 },
          { host: '::1', port: 26380 },
        ],
        name: 'login',
        sentinelPassword: 'sentinel-secret',
      },
    });
    expect(storeConfigFrom(sentinel)).toMatchObject({
      redis: { waitForReplicas: { replicas: 1, timeoutMs: 250 }, commandTimeoutMs: 1_500 },
    });
    expect(describeRedis(sentinel)).toBe(
      'Redis Sentinel (primary "login", Sentinels 10.0.0.1:26379, [::1]:26380)',
    );
    const cluster = loadConfig({ env: { REDIS_CLUSTER_NODES: 'redis-0:7000', REDIS_TLS: 'true' } });
    expect(redisConnectionOf(cluster)).toEqual({
      redis: { tls: {} },
      cluster: { nodes: [{ host: 'redis-0', port: 7000 }] },
    });
    expect(redisConnectionOf(loadConfig({ env: {} }))).toBeUndefined();
    const problemsOf = (env: Record<string, string>): readonly string[] => {
      try {
        loadConfig({ env });
      } catch (error) {
        return (error as ConfigError).problems;
      }
      return [];
    };
    expect(problemsOf({ REDIS_URL: 'redis://h:6379', REDIS_CLUSTER_NODES: 'h:7000' })).toEqual([
      'REDIS_URL, REDIS_CLUSTER_NODES: set one of them, for one Redis, a Sentinel-managed primary or a Cluster',
    ]);
    expect(problemsOf({ REDIS_URL: 'redis://h:6379', REDIS_PASSWORD: 'do-not-print-me' })).toEqual([
      'REDIS_PASSWORD: with REDIS_URL, put it in the URL (redis://user:password@host:port)',
    ]);
    expect(problemsOf({ REDIS_WAIT_REPLICAS: '1' })).toEqual([
      'REDIS_WAIT_REPLICAS: needs Redis (REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES)',
    ]);
    expect(problemsOf({ REDIS_CLUSTER_NODES: 'h:70000,h' })).toEqual([
      'REDIS_CLUSTER_NODES: must be comma-separated host:port, such as 10.0.0.1:26379 (got "h:70000,h")',
    ]);
    expect(problemsOf({ REDIS_SENTINELS: ' , ' })).toEqual([
      'REDIS_SENTINELS: must name at least one host:port (got " , ")',
    ]);
  });

  it('reads numbers from a JSON config file too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wecom-auth-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ PORT: 9091, ACCESS_TOKEN_TTL: '120', TRUST_PROXY: ['10.0.0.0/8'] }));
    try {
      expect(loadConfig({ env: {}, configFile: file })).toMatchObject({
        port: 9091,
        accessTokenTtl: 120,
        trustProxy: ['10.0.0.0/8'],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['false', false],
    ['true', true],
    ['no', false],
    ['0', false],
    ['1', 1],
    ['2', 2],
    ['10.0.0.0/8, 192.0.2.1,::1', ['10.0.0.0/8', '192.0.2.1', '::1']],
  ])('reads TRUST_PROXY=%s', (value, expected) => {
    expect(loadConfig({ env: { TRUST_PROXY: value } }).trustProxy).toEqual(expected);
  });

  it.each(['maybe', '10.0.0.0/33', '10.0.0.1/8/1', '300.1.1.1', 'nginx', '-1'])(
    'refuses TRUST_PROXY=%s',
    (value) => {
      expect(() => loadConfig({ env: { TRUST_PROXY: value } })).toThrow(
        `TRUST_PROXY: must be true, false, a number of proxy hops, or comma-separated proxy addresses/CIDRs such as 10.0.0.0/8 (got "${value}")`,
      );
    },
  );

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
