import { type EnterpriseUserInfoDisclosure, rawDataMatchesUserInfo } from '@wecom-auth/crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const INFO: EnterpriseUserInfoDisclosure = {
  kind: 'enterprise_user_info',
  corpId: 'wwdemo0000000001',
  userId: 'zhangsan',
  name: '张三',
  gender: 1,
  watermark: { appId: 'wx4f4bc4dec97d474b', timestamp: 1_700_000_000 },
};
const { name: _name, ...NAMELESS } = INFO;

describe('rawDataMatchesUserInfo', () => {
  it('accepts the userInfo getEnterpriseUserInfo sends with the same name and gender', () => {
    expect(rawDataMatchesUserInfo('{"name":"张三","gender":1,"language":"zh_CN"}', INFO)).toBe(true);
    expect(rawDataMatchesUserInfo('{"gender":1,"language":"zh_CN"}', NAMELESS)).toBe(true);
  });

  it('refuses a different name or gender, a name on one side only, extra keys and non-objects', () => {
    const refused = [
      '{"name":"李四","gender":1,"language":"zh_CN"}',
      '{"name":"张三","gender":2,"language":"zh_CN"}',
      '{"name":"张三","gender":"1","language":"zh_CN"}',
      '{"gender":1,"language":"zh_CN"}',
      '{"name":"张三","gender":1,"language":"zh_CN","userid":"lisi"}',
      '{"name":"张三","gender":1,"language":7}',
      '{"name":"张三","language":"zh_CN"}',
      '["张三",1]',
      'null',
      'not json',
    ];
    for (const rawData of refused) expect(rawDataMatchesUserInfo(rawData, INFO)).toBe(false);
    expect(rawDataMatchesUserInfo('{"name":"张三","gender":1}', NAMELESS)).toBe(false);
    expect(rawDataMatchesUserInfo(42 as unknown as string, INFO)).toBe(false);
  });

  it('agrees exactly when name and gender agree', () => {
    fc.assert(
      fc.property(fc.option(fc.string(), { nil: undefined }), fc.constantFrom(0, 1, 2), (name, gender) => {
        const rawData = JSON.stringify({
          ...(name === undefined ? {} : { name }),
          gender,
          language: 'zh_CN',
        });
        expect(rawDataMatchesUserInfo(rawData, INFO)).toBe(name === INFO.name && gender === INFO.gender);
      }),
      { numRuns: 200 },
    );
  });
});
