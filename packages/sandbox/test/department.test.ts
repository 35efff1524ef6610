import { describe, expect, it } from 'vitest';
import { buildSandboxApp } from '../src/index.js';
import { get, tokenOf } from './inject-client.js';

describe('department APIs', () => {
  it('lists every visible department, or a subtree', async () => {
    const app = buildSandboxApp();
    const token = await tokenOf(app);
    const all = await get(app, `/cgi-bin/department/list?access_token=${token}`);
    expect(all.body.errcode).toBe(0);
    const departments = all.body.department as { id: number }[];
    expect(departments.map((d) => d.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(departments[1]).toEqual({
      id: 2,
      name: '研发中心',
      name_en: 'R&D',
      department_leader: ['lisi'],
      parentid: 1,
      order: 99999000,
    });
    const sub = await get(app, `/cgi-bin/department/list?access_token=${token}&id=2`);
    expect((sub.body.department as { id: number }[]).map((d) => d.id)).toEqual([2, 3, 4]);
  });

  it('simplelist returns ids, parents and orders', async () => {
    const app = buildSandboxApp();
    const token = await tokenOf(app);
    const { body } = await get(app, `/cgi-bin/department/simplelist?access_token=${token}&id=2`);
    expect(body.department_id).toEqual([
      { id: 2, parentid: 1, order: 99999000 },
      { id: 3, parentid: 2, order: 99998000 },
      { id: 4, parentid: 2, order: 99997000 },
    ]);
  });

  it('get returns one department; 60003 unknown, 40058 missing or malformed id', async () => {
    const app = buildSandboxApp();
    const token = await tokenOf(app);
    const one = await get(app, `/cgi-bin/department/get?access_token=${token}&id=5`);
    expect(one.body.department).toMatchObject({ id: 5, name: '产品部', parentid: 1 });
    expect((await get(app, `/cgi-bin/department/get?access_token=${token}&id=99`)).body.errcode).toBe(60003);
    expect((await get(app, `/cgi-bin/department/get?access_token=${token}`)).body.errcode).toBe(40058);
    expect((await get(app, `/cgi-bin/department/get?access_token=${token}&id=abc`)).body.errcode).toBe(40058);
    expect((await get(app, `/cgi-bin/department/list?access_token=${token}&id=99`)).body.errcode).toBe(60003);
  });

  it('respects the visible range (60011 outside it)', async () => {
    const app = buildSandboxApp();
    const token = await tokenOf(app, 'demo-finance-secret');
    const list = await get(app, `/cgi-bin/department/list?access_token=${token}`);
    expect((list.body.department as { id: number }[]).map((d) => d.id)).toEqual([8]);
    expect((await get(app, `/cgi-bin/department/get?access_token=${token}&id=2`)).body.errcode).toBe(60011);
    expect((await get(app, `/cgi-bin/department/simplelist?access_token=${token}&id=1`)).body.errcode).toBe(
      60011,
    );
  });
});
