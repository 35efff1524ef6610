/**
 * POST /v1/sessions against the sandbox: logins/s, as a ratio of a minimal chain (a bare Fastify route doing only the
 * two WeCom calls, jscode2session and user/get, with undici and a token fetched once), and the WeCom calls a login
 * costs, with the profile cache cold and warm.
 *
 *   npm run bench:login -- [seconds] [rounds]   (runs the built packages, as in production)
 */
import { fixed, loadRow, table } from './measure.js';
import { measureLoginOverhead } from './overhead/login-overhead.js';

const duration = Number(process.argv[2] ?? 5);
const rounds = Number(process.argv[3] ?? 3);

const result = await measureLoginOverhead(duration, rounds);
const { baseline, subject, cold, warm, users, warmLogins } = result;

const perLogin = (calls: number | undefined, logins: number): string => fixed((calls ?? 0) / logins, 3);
console.log(
  `POST /v1/sessions vs a minimal chain (${rounds} alternating rounds of ${duration} s, 32 connections)\n`,
);
console.log(
  table(
    ['server', 'logins/s (median)', 'p50 ms', 'p99 ms', 'non-2xx', 'errors'],
    [loadRow('minimal chain (2 WeCom calls)', baseline), loadRow('gateway POST /v1/sessions', subject)],
  ),
);
console.log(`\nratio gateway / minimal chain = ${fixed(result.ratio, 2)} (target ≥ 0.85)\n`);
console.log(
  table(
    ['WeCom calls per login', 'cold profiles', 'warm (load run)'],
    [
      [
        'jscode2session',
        perLogin(cold['/cgi-bin/miniprogram/jscode2session'], users),
        perLogin(warm['/cgi-bin/miniprogram/jscode2session'], warmLogins),
      ],
      [
        'user/get',
        perLogin(cold['/cgi-bin/user/get'], users),
        perLogin(warm['/cgi-bin/user/get'], warmLogins),
      ],
      ['gettoken (in all)', String(cold['/cgi-bin/gettoken'] ?? 0), String(warm['/cgi-bin/gettoken'] ?? 0)],
    ],
  ),
);
console.log(`\n${users} active demo employees; the warm run made ${fixed(warmLogins)} gateway logins.`);
if (subject.non2xx > 0 || subject.errors > 0) {
  console.error('some logins failed: the figures are not valid');
  process.exitCode = 1;
}
