/**
 * `WECOM_CORPS`: several corps, each a tenant with its own secret and callback; every problem listed at once, no
 * secret ever echoed.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCorpList } from '../src/config/corps.js';

const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

const namesOf = (index: number) => ({
  corpId: `WECOM_CORPS[${index}].corpId`,
  secret: `WECOM_CORPS[${index}].secret`,
  previousSecrets: `WECOM_CORPS[${index}].previousSecrets`,
  callback: `WECOM_CORPS[${index}].callbackToken and .callbackAesKey`,
});

function parse(raw: unknown): { corps: ReturnType<typeof parseCorpList>; problems: string[] } {
  const problems: string[] = [];
  return { corps: parseCorpList(raw, problems), problems };
}

describe('WECOM_CORPS', () => {
  it('reads corps from JSON text and from an array, the first one first', () => {
    const list = [
      { corpId: 'wwdemo0000000001', secret: 's1', callbackToken: 'tok1', callbackAesKey: AES_KEY },
      { corpId: 'wwsub00000000003', secret: 's2' },
    ];
    for (const raw of [JSON.stringify(list), list]) {
      const { corps, problems } = parse(raw);
      expect(problems).toEqual([]);
      expect(corps).toEqual([
        {
          corpId: 'wwdemo0000000001',
          secret: 's1',
          settingNames: namesOf(0),
          callback: { token: 'tok1', encodingAESKey: AES_KEY },
        },
        { corpId: 'wwsub00000000003', secret: 's2', settingNames: namesOf(1), callback: undefined },
      ]);
    }
  });

  it('keeps the previous secrets of each corp, and names the settings a corp comes from', () => {
    const { corps, problems } = parse([
      { corpId: 'wwdemo0000000001', secret: 's1', previousSecrets: ['s0', 's-1'] },
      { corpId: 'wwsub00000000003', secretFile: '/dev/null', previousSecrets: [] },
    ]);
    expect(problems).toEqual(['WECOM_CORPS[1].secretFile: /dev/null is empty']);
    expect(corps[0]?.previousSecrets).toEqual(['s0', 's-1']);
    expect(
      parse([{ corpId: 'wwdemo0000000001', secret: 's1', previousSecrets: ['ok', ''] }]).problems,
    ).toEqual(['WECOM_CORPS[0].previousSecrets.1: must not be empty']);
    expect(parse([{ corpId: 'wwdemo0000000001', secret: 's1', previousSecrets: 'old' }]).problems).toEqual([
      'WECOM_CORPS[0].previousSecrets: Invalid input: expected array, received string',
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'wecom-corps-'));
    writeFileSync(join(dir, 'secret'), 'from-a-file');
    expect(
      parse([{ corpId: 'wwdemo0000000001', secretFile: join(dir, 'secret') }]).corps[0]?.settingNames,
    ).toEqual({ ...namesOf(0), secret: 'WECOM_CORPS[0].secretFile' });
  });

  it('reads a secret file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wecom-corps-'));
    const file = join(dir, 'secret');
    writeFileSync(file, 'from-a-file\n');
    expect(parse([{ corpId: 'wwsub00000000003', secretFile: file }]).corps[0]?.secret).toBe('from-a-file');
    expect(parse([{ corpId: 'wwsub00000000003', secretFile: join(dir, 'missing') }]).problems).toEqual([
      `WECOM_CORPS[0].secretFile: cannot read ${join(dir, 'missing')} (ENOENT)`,
    ]);
  });

  it('lists every problem at once, by index and field', () => {
    const { corps, problems } = parse([
      { corpId: 'not-a-corp', secret: 'x' },
      { corpId: 'wwsub00000000003' },
      { corpId: 'wwsub00000000004', secret: 'a', secretFile: '/run/secrets/b' },
      { corpId: 'wwsub00000000005', secret: 'a', callbackToken: 'tok' },
      { corpId: 'wwsub00000000006', secret: 'a', colour: 'red' },
      'wwsub00000000007',
      { corpId: 'wwsub00000000008', secret: 'a' },
      { corpId: 'wwsub00000000008', secret: 'b' },
    ]);
    expect(problems).toEqual([
      'WECOM_CORPS[0].corpId: must be a corp ID such as ww0123456789abcdef',
      'WECOM_CORPS[1].secret: required (or secretFile)',
      'WECOM_CORPS[2]: set secret or secretFile, not both',
      'WECOM_CORPS[3]: set callbackToken and callbackAesKey both or neither',
      'WECOM_CORPS[4]: unknown field colour',
      'WECOM_CORPS[5]: must be an object { corpId, secret | secretFile, previousSecrets?, callbackToken?, callbackAesKey? }',
      'WECOM_CORPS[7].corpId: wwsub00000000008 is listed twice',
    ]);
    expect(corps.map((corp) => corp.corpId)).toEqual(['wwsub00000000008']);
  });

  it('refuses what is not a non-empty JSON array without quoting it', () => {
    expect(parse('{"corpId": "ww1", "secret": "hunter2"').problems).toEqual([
      'WECOM_CORPS: must be a JSON array of corps ([{"corpId": "ww…", "secret": "…"}, …])',
    ]);
    expect(parse('[]').problems).toEqual(['WECOM_CORPS: must be a non-empty JSON array of corps']);
    expect(parse({ corpId: 'wwsub00000000003' }).problems).toEqual([
      'WECOM_CORPS: must be a non-empty JSON array of corps',
    ]);
  });

  it('never echoes a secret or a callback key, whatever the input', () => {
    const secretish = fc.string({ minLength: 6, maxLength: 40 }).filter((s) => /[A-Za-z0-9]{6}/.test(s));
    fc.assert(
      fc.property(
        secretish,
        secretish,
        fc.oneof(fc.constant('wwsub00000000003'), fc.string()),
        (secret, token, corpId) => {
          const { problems } = parse([
            { corpId, secret, callbackToken: token, callbackAesKey: `${token}!` },
            { corpId, secret: '', secretFile: secret },
          ]);
          for (const problem of problems) {
            expect(problem).not.toContain(secret);
            expect(problem).not.toContain(token);
          }
        },
      ),
    );
  });
});
