#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEMO_APP, DEMO_CORP_ID, DEMO_MINI_PROGRAM_APP_ID } from './demo-directory.js';
import { demoSuite } from './demo-suite.js';
import { SandboxError } from './errors.js';
import { createSandbox } from './sandbox.js';

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535)
    throw new InvalidArgumentError('must be an integer from 0 to 65535');
  return port;
}

const program = new Command('wecom-auth-sandbox')
  .description(
    'An offline emulator of qyapi.weixin.qq.com (WeCom server API) with a control API under /__sandbox/.',
  )
  .option('--port <port>', 'TCP port (0 = any free port)', parsePort, 9000)
  .option('--host <host>', 'interface to bind', '127.0.0.1')
  .option('--fixture <file>', 'directory fixture (JSON); default: the bundled demo directory')
  .option('--seed <seed>', 'make tokens, codes and session keys reproducible')
  .addOption(new Option('--errmsg-style <style>', 'errmsg format').choices(['live', 'doc']).default('live'))
  .option(
    '--demo-suite',
    'also play the provider platform for the demo suite (third-party app), installed in the demo corp and its subsidiary',
  )
  .showHelpAfterError();

async function main(): Promise<void> {
  program.parse();
  const opts = program.opts<{
    port: number;
    host: string;
    fixture?: string;
    seed?: string;
    errmsgStyle: 'live' | 'doc';
    demoSuite?: boolean;
  }>();
  let sandbox: Awaited<ReturnType<typeof createSandbox>>;
  try {
    sandbox = await createSandbox({
      port: opts.port,
      host: opts.host,
      errmsgStyle: opts.errmsgStyle,
      ...(opts.fixture === undefined ? {} : { fixture: opts.fixture }),
      ...(opts.seed === undefined ? {} : { seed: opts.seed }),
      ...(opts.demoSuite === true ? { suites: [demoSuite] } : {}),
    });
  } catch (error) {
    if (error instanceof SandboxError && error.code === 'invalid_fixture') {
      console.error(`wecom-auth-sandbox: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const directory = sandbox.control.directory();
  const corp = directory.corps[0];
  const app = corp?.apps.find((a) => a.miniProgramAppId !== null) ?? corp?.apps[0];
  const demo = opts.fixture === undefined;
  const corpId = demo ? DEMO_CORP_ID : (corp?.corpId ?? '');
  const secret = demo ? DEMO_APP.secret : (app?.secret ?? '');
  const firstUser = demo ? 'zhangsan' : (corp?.users[0]?.userid ?? 'USERID');
  console.log(
    [
      `WeCom sandbox listening on ${sandbox.url}`,
      `  corp id:           ${corpId}`,
      `  mini program:      ${demo ? DEMO_MINI_PROGRAM_APP_ID : (app?.miniProgramAppId ?? '(none)')}`,
      `  app agentId:       ${demo ? DEMO_APP.agentId : (app?.agentId ?? '')}`,
      `  app secret:        ${secret}`,
      '  try:',
      `    curl -s -X POST ${sandbox.url}/__sandbox/login -H 'content-type: application/json' -d '{"userid":"${firstUser}"}'`,
      `    curl -s '${sandbox.url}/cgi-bin/gettoken?corpid=${corpId}&corpsecret=${secret}'`,
      ...(opts.demoSuite === true
        ? [
            `  suite id:          ${demoSuite.suiteId} (secret ${demoSuite.suiteSecret}, mini program ${demoSuite.miniProgramAppId})`,
            `    curl -s -X POST ${sandbox.url}/__sandbox/suites/${demoSuite.suiteId}/ticket`,
          ]
        : []),
    ].join('\n'),
  );
  const stop = (signal: string): void => {
    console.log(`received ${signal}, stopping`);
    sandbox.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`wecom-auth-sandbox: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
