import { describe, expect, it } from 'vitest';
import { buildSandboxApp, demoDirectory, parseDirectory, SandboxError } from '../src/index.js';

const minimal = {
  corps: [{ corpId: 'ww1', name: 'Acme', departments: [{ id: 1, name: 'Acme', parentid: 0 }] }],
};

describe('demo directory', () => {
  it('has the promised corps, apps, departments and members', () => {
    const demo = demoDirectory.corps.find((c) => c.corpId === 'wwdemo0000000001');
    expect(demo?.users.length).toBeGreaterThanOrEqual(30);
    expect(demo?.departments.length).toBeGreaterThanOrEqual(5);
    expect(demo?.apps.map((a) => [a.agentId, a.secret, a.miniProgramAppId, a.createdAfter20220620])).toEqual(
      expect.arrayContaining([
        [1000002, 'demo-secret-change-me', 'wxdemo0000000001', false],
        [1000003, 'demo-nomp-secret', null, false],
        [1000004, 'demo-private-secret', 'wxdemo0000000001', true],
      ]),
    );
    const statuses = new Map(demo?.users.map((u) => [u.userid, u.status]));
    expect(statuses.get('zhangsan')).toBe(1);
    expect(statuses.get('lisi')).toBe(1);
    expect(statuses.get('wangwu')).toBe(2);
    expect(statuses.get('zhaoliu')).toBe(4);
    expect([...statuses.values()]).toContain(5);
    expect(demo?.users.find((u) => u.userid === 'zhangsan')).toMatchObject({
      name: '张三',
      mobile: expect.stringMatching(/^138\d{8}$/),
      email: 'zhangsan@demo.example',
      avatar: '/avatars/zhangsan.svg',
    });
    const other = demoDirectory.corps.find((c) => c.corpId === 'wwother000000002');
    expect(other?.apps[0]?.secret).toBe('other-secret');
    expect(other?.apps.every((a) => a.miniProgramAppId === null)).toBe(true);
    expect(other?.users.length).toBeGreaterThan(0);
  });

  it('round-trips through the schema unchanged', () => {
    expect(parseDirectory(structuredClone(demoDirectory))).toEqual(demoDirectory);
  });
});

describe('parseDirectory', () => {
  it('fills defaults', () => {
    const parsed = parseDirectory(minimal);
    expect(parsed.miniPrograms).toEqual([]);
    expect(parsed.corps[0]?.departments[0]).toEqual({
      id: 1,
      name: 'Acme',
      name_en: '',
      parentid: 0,
      order: 0,
      department_leader: [],
    });
  });

  it('lists every structural problem with its path', () => {
    let error: unknown;
    try {
      parseDirectory({
        corps: [{ corpId: 'bad id', name: '', departments: [{ id: 0, name: 'x', parentid: 0 }] }],
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SandboxError);
    const { code, message } = error as SandboxError;
    expect(code).toBe('invalid_fixture');
    expect(message).toContain('3 problems');
    expect(message).toContain('corps[0].corpId: must be letters and digits');
    expect(message).toContain('corps[0].name:');
    expect(message).toContain('corps[0].departments[0].id:');
  });

  it('checks cross references', () => {
    const input = {
      miniPrograms: [{ appId: 'wxmp', name: 'MP' }],
      corps: [
        {
          corpId: 'ww1',
          name: 'Acme',
          departments: [
            { id: 1, name: 'Acme', parentid: 0 },
            { id: 2, name: 'Lost', parentid: 9 },
          ],
          apps: [
            {
              agentId: 1,
              name: 'a',
              secret: 's',
              miniProgramAppId: 'wxnope',
              visibleRange: { userIds: ['ghost'] },
            },
            { agentId: 1, name: 'b', secret: 's', trustedIps: ['not-an-ip'] },
          ],
          users: [
            { userid: 'amy', name: 'Amy', department: [1, 7], status: 1, order: [1] },
            { userid: 'AMY', name: 'Amy 2', department: [1], status: 1, direct_leader: ['bob'] },
          ],
        },
      ],
    };
    expect(() => parseDirectory(input)).toThrowError(/trustedIps\[0\]: must be an IPv4 or IPv6 address/);
    input.corps[0]?.apps[1]?.trustedIps?.splice(0, 1);
    let message = '';
    try {
      parseDirectory(input);
    } catch (e) {
      message = (e as Error).message;
    }
    for (const expected of [
      'corps[0].departments[1].parentid: unknown parent department 9',
      'corps[0].users[1].userid: duplicate userid AMY',
      'corps[0].users[0].department[1]: unknown department 7',
      'corps[0].users[0].order: must have as many entries as department (2)',
      'corps[0].users[1].direct_leader[0]: unknown userid bob',
      'corps[0].apps[1].agentId: duplicate agentId 1',
      'corps[0].apps[1].secret: duplicate secret',
      'corps[0].apps[0].miniProgramAppId: unknown mini program wxnope',
      'corps[0].apps[0].visibleRange.userIds[0]: unknown userid ghost',
    ]) {
      expect(message).toContain(expected);
    }
  });

  it('rejects non-objects', () => {
    expect(() => parseDirectory(null)).toThrowError(SandboxError);
    expect(() => parseDirectory([])).toThrowError(/\(root\)/);
  });

  it('buildSandboxApp reports a missing or broken fixture file', () => {
    expect(() => buildSandboxApp({ fixture: '/nonexistent/fixture.json' })).toThrowError(
      /cannot read fixture file \/nonexistent\/fixture.json/,
    );
  });

  it('buildSandboxApp rejects bad options with exact TypeErrors', () => {
    expect(() => buildSandboxApp({ errmsgStyle: 'fancy' as 'doc' })).toThrowError(
      new TypeError("errmsgStyle must be 'live' or 'doc'"),
    );
    expect(() => buildSandboxApp({ limits: { corpPerMinute: 0 } })).toThrowError(
      new TypeError('limits.corpPerMinute must be a positive integer'),
    );
    expect(() => buildSandboxApp({ limits: { perDay: 1 } as never })).toThrowError(
      new TypeError('limits.perDay is not a known limit'),
    );
    expect(() => buildSandboxApp({ tokenLifetimeSeconds: 1.5 })).toThrowError(
      new TypeError('tokenLifetimeSeconds must be a positive integer'),
    );
  });
});
