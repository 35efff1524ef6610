import {
  buildChangeContactXml,
  type ChangeContactEventInput,
  InvalidXmlError,
  parseCallbackMessage,
} from '@wecom-auth/crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isXmlText } from './xml-text.js';

// wecom-api.md §7.5, the create_user example of the official "成员变更通知" page.
const CREATE_USER = `<xml>
 <ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>
 <CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType>
 <Event><![CDATA[change_contact]]></Event><ChangeType>create_user</ChangeType>
 <UserID><![CDATA[zhangsan]]></UserID><Name><![CDATA[张三]]></Name>
 <Department><![CDATA[1,2,3]]></Department><MainDepartment>1</MainDepartment>
 <IsLeaderInDept><![CDATA[1,0,0]]></IsLeaderInDept><DirectLeader><![CDATA[lisi,wangwu]]></DirectLeader>
 <Position><![CDATA[产品经理]]></Position><Mobile>13800000000</Mobile><Gender>1</Gender>
 <Email><![CDATA[zhangsan@gzdev.com]]></Email><BizMail><![CDATA[zhangsan@qyycs2.wecom.work]]></BizMail>
 <Status>1</Status><Avatar><![CDATA[http://wx.qlogo.cn/mmopen/ajNVdqHZLLA3WJ6DSZUfiakYe37PKnQhBIeOQBO4czqrnZDS79FH5Wm5m4X69TBicnHFlhiafvDwklOpZeXYQQ2icg/0]]></Avatar>
 <Alias><![CDATA[zhangsan]]></Alias><Telephone><![CDATA[020-123456]]></Telephone><Address><![CDATA[广州市]]></Address>
 <ExtAttr>
  <Item><Name><![CDATA[爱好]]></Name><Type>0</Type><Text><Value><![CDATA[旅游]]></Value></Text></Item>
  <Item><Name><![CDATA[卡号]]></Name><Type>1</Type><Web><Title><![CDATA[企业微信]]></Title><Url><![CDATA[https://work.weixin.qq.com]]></Url></Web></Item>
 </ExtAttr>
</xml>`;

describe('parseCallbackMessage', () => {
  it('parses the official create_user example into typed fields', () => {
    const event = parseCallbackMessage(CREATE_USER);
    expect(event.kind).toBe('create_user');
    const { raw, ...fields } = event;
    expect(raw.UserID).toBe('zhangsan');
    expect(fields).toEqual({
      kind: 'create_user',
      toUserName: 'toUser',
      fromUserName: 'sys',
      createTime: 1403610513,
      msgType: 'event',
      event: 'change_contact',
      userId: 'zhangsan',
      name: '张三',
      department: [1, 2, 3],
      mainDepartment: 1,
      isLeaderInDept: [1, 0, 0],
      directLeader: ['lisi', 'wangwu'],
      position: '产品经理',
      mobile: '13800000000',
      gender: 1,
      email: 'zhangsan@gzdev.com',
      bizMail: 'zhangsan@qyycs2.wecom.work',
      status: 1,
      avatar:
        'http://wx.qlogo.cn/mmopen/ajNVdqHZLLA3WJ6DSZUfiakYe37PKnQhBIeOQBO4czqrnZDS79FH5Wm5m4X69TBicnHFlhiafvDwklOpZeXYQQ2icg/0',
      alias: 'zhangsan',
      telephone: '020-123456',
      address: '广州市',
      extAttr: [
        { name: '爱好', type: 0, text: { value: '旅游' } },
        { name: '卡号', type: 1, web: { title: '企业微信', url: 'https://work.weixin.qq.com' } },
      ],
    });
  });

  it('parses the real reduced update_user (empty ToUserName, ChangeType in CDATA)', () => {
    const xml =
      '<xml><ToUserName><![CDATA[]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1693475584</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event><ChangeType><![CDATA[update_user]]></ChangeType><UserID><![CDATA[ZhangSan]]></UserID><MainDepartment>1</MainDepartment></xml>';
    const event = parseCallbackMessage(xml);
    expect(event).toMatchObject({
      kind: 'update_user',
      toUserName: '',
      userId: 'ZhangSan',
      mainDepartment: 1,
    });
    expect(event).not.toHaveProperty('name');
    expect(event).not.toHaveProperty('department');
  });

  it('exposes NewUserID on update_user', () => {
    const event = parseCallbackMessage(
      '<xml><Event>change_contact</Event><ChangeType>update_user</ChangeType><UserID>zhangsan</UserID><NewUserID>zhangsan001</NewUserID></xml>',
    );
    expect(event.kind === 'update_user' && event.newUserId).toBe('zhangsan001');
  });

  it('parses delete_user, party and tag events', () => {
    const wrap = (body: string) => `<xml><MsgType>event</MsgType><Event>change_contact</Event>${body}</xml>`;
    expect(
      parseCallbackMessage(wrap('<ChangeType>delete_user</ChangeType><UserID>lisi</UserID>')),
    ).toMatchObject({
      kind: 'delete_user',
      userId: 'lisi',
    });
    expect(
      parseCallbackMessage(
        wrap(
          '<ChangeType>create_party</ChangeType><Id>2</Id><Name><![CDATA[研发]]></Name><ParentId>1</ParentId><Order>100</Order>',
        ),
      ),
    ).toMatchObject({ kind: 'create_party', id: 2, name: '研发', parentId: 1, order: 100 });
    expect(
      parseCallbackMessage(wrap('<ChangeType>update_party</ChangeType><Id>2</Id><ParentId>3</ParentId>')),
    ).toMatchObject({
      kind: 'update_party',
      id: 2,
      parentId: 3,
    });
    expect(parseCallbackMessage(wrap('<ChangeType>delete_party</ChangeType><Id>2</Id>'))).toMatchObject({
      kind: 'delete_party',
      id: 2,
    });
    expect(
      parseCallbackMessage(
        wrap(
          '<ChangeType>update_tag</ChangeType><TagId>7</TagId><AddUserItems><![CDATA[a,b]]></AddUserItems><DelUserItems></DelUserItems><AddPartyItems>1,2</AddPartyItems><DelPartyItems>3</DelPartyItems>',
        ),
      ),
    ).toMatchObject({
      kind: 'update_tag',
      tagId: 7,
      addUserItems: ['a', 'b'],
      delUserItems: [],
      addPartyItems: [1, 2],
      delPartyItems: [3],
    });
  });

  it('parses the third-party layout (InfoType, SuiteId, AuthCorpId, OpenUserID)', () => {
    const xml =
      '<xml><SuiteId><![CDATA[ww4asffe9xxx4c0f4c]]></SuiteId><AuthCorpId><![CDATA[wxf8b4f85f3a794e77]]></AuthCorpId><InfoType><![CDATA[change_contact]]></InfoType><TimeStamp>1403610513</TimeStamp><ChangeType><![CDATA[delete_user]]></ChangeType><UserID><![CDATA[zhangsan]]></UserID><OpenUserID><![CDATA[woAAAA]]></OpenUserID></xml>';
    expect(parseCallbackMessage(xml)).toMatchObject({
      kind: 'delete_user',
      suiteId: 'ww4asffe9xxx4c0f4c',
      authCorpId: 'wxf8b4f85f3a794e77',
      infoType: 'change_contact',
      timeStamp: 1403610513,
      userId: 'zhangsan',
      openUserId: 'woAAAA',
    });
  });

  it('keeps other messages and unknown change types as the unknown variant with raw fields', () => {
    const text = parseCallbackMessage(
      '<xml><ToUserName>ww1</ToUserName><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content><AgentID>1</AgentID></xml>',
    );
    expect(text).toMatchObject({
      kind: 'unknown',
      toUserName: 'ww1',
      msgType: 'text',
      raw: { Content: 'hi', AgentID: '1' },
    });
    const future = parseCallbackMessage(
      '<xml><Event>change_contact</Event><ChangeType>merge_user</ChangeType><X>1</X></xml>',
    );
    expect(future).toMatchObject({
      kind: 'unknown',
      changeType: 'merge_user',
      event: 'change_contact',
      raw: { X: '1' },
    });
    // A contact change type under another event is not a contact event.
    expect(
      parseCallbackMessage('<xml><Event>click</Event><ChangeType>create_user</ChangeType></xml>').kind,
    ).toBe('unknown');
  });

  it('leaves out numbers and number lists that do not parse, keeping them in raw', () => {
    const event = parseCallbackMessage(
      '<xml><Event>change_contact</Event><ChangeType>create_user</ChangeType><Gender>male</Gender><Department>1,x</Department><Status></Status></xml>',
    );
    expect(event).not.toHaveProperty('gender');
    expect(event).not.toHaveProperty('department');
    expect(event).not.toHaveProperty('status');
    expect(event.raw).toMatchObject({ Gender: 'male', Department: '1,x' });
  });

  it('rejects malformed XML and DOCTYPEs with InvalidXmlError', () => {
    for (const xml of [
      '',
      '<xml><UserID>a</xml>',
      '<!DOCTYPE x [<!ENTITY e "e">]><xml><UserID>&e;</UserID></xml>',
      '<xml><ExtAttr>text</ExtAttr><Event>change_contact</Event><ChangeType>create_user</ChangeType></xml>',
    ]) {
      expect(() => parseCallbackMessage(xml)).toThrow(InvalidXmlError);
    }
  });
});

describe('buildChangeContactXml', () => {
  it('builds the self-built layout with MsgType and Event defaults', () => {
    expect(
      buildChangeContactXml({
        kind: 'update_user',
        toUserName: 'ww1',
        createTime: 1700000000,
        userId: 'zhangsan',
        newUserId: 'zhangsan001',
        department: [1, 2],
      }),
    ).toBe(
      '<xml><ToUserName><![CDATA[ww1]]></ToUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event><ChangeType><![CDATA[update_user]]></ChangeType><UserID><![CDATA[zhangsan]]></UserID><NewUserID><![CDATA[zhangsan001]]></NewUserID><Department><![CDATA[1,2]]></Department></xml>',
    );
  });

  it('rejects an unknown kind with an exact TypeError', () => {
    expect(() => buildChangeContactXml({ kind: 'unknown' } as unknown as ChangeContactEventInput)).toThrow(
      new TypeError('event.kind must be a change_contact type'),
    );
  });

  it('is the inverse of parseCallbackMessage for any contact event', () => {
    const text = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 12 })
      .filter((value) => isXmlText(value) && !value.includes(','));
    const int = fc.integer({ min: -1, max: 2 ** 31 });
    const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
    const header = {
      toUserName: opt(text),
      fromUserName: opt(text),
      createTime: opt(int),
      msgType: fc.constant('event'),
      event: fc.constant('change_contact'),
    };
    const user = {
      userId: opt(text),
      name: opt(text),
      department: opt(fc.array(int, { maxLength: 4 })),
      mainDepartment: opt(int),
      isLeaderInDept: opt(fc.array(fc.constantFrom(0, 1), { maxLength: 4 })),
      directLeader: opt(fc.array(text, { maxLength: 3 })),
      gender: opt(int),
      mobile: opt(text),
      extAttr: opt(
        fc.array(
          fc.record(
            {
              name: opt(text),
              type: opt(fc.constantFrom(0, 1)),
              text: opt(fc.record({ value: opt(text) }, { requiredKeys: [] })),
            },
            { requiredKeys: [] },
          ),
          { maxLength: 3 },
        ),
      ),
    };
    const party = { id: opt(int), name: opt(text), parentId: opt(int), order: opt(int) };
    const strip = <T extends object>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
    const events: fc.Arbitrary<ChangeContactEventInput> = fc
      .oneof(
        fc.record({ kind: fc.constant('create_user' as const), ...header, ...user }),
        fc.record({ kind: fc.constant('update_user' as const), ...header, ...user, newUserId: opt(text) }),
        fc.record({
          kind: fc.constant('delete_user' as const),
          ...header,
          userId: opt(text),
          openUserId: opt(text),
        }),
        fc.record({ kind: fc.constant('create_party' as const), ...header, ...party }),
        fc.record({ kind: fc.constant('update_party' as const), ...header, ...party }),
        fc.record({ kind: fc.constant('delete_party' as const), ...header, id: opt(int) }),
        fc.record({
          kind: fc.constant('update_tag' as const),
          ...header,
          tagId: opt(int),
          addUserItems: opt(fc.array(text, { maxLength: 3 })),
          delPartyItems: opt(fc.array(int, { maxLength: 3 })),
        }),
      )
      .map((event) => strip(event) as ChangeContactEventInput);
    fc.assert(
      fc.property(events, (event) => {
        const { raw: _raw, ...parsed } = parseCallbackMessage(buildChangeContactXml(event));
        expect(parsed).toEqual(event);
      }),
    );
  });
});
