/**
 * A gateway alone in a child process (from the sources), so that its memory can be read without the sandbox's or
 * the load generator's in the figure, and so that a forced GC before each reading shows what the gateway keeps
 * rather than what it has not collected yet. The child is `measured-gateway-process.ts`, configured from the
 * environment like `wecom-auth serve`; the two talk over IPC.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Memory of the gateway process right after a full GC, in bytes. */
export interface GatewayMemory {
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  /**
   * What V8 holds for each of its heap spaces (`space_size`, bytes): where a growing heap total goes (old objects,
   * code, large objects).
   */
  readonly heapSpaces: Readonly<Record<string, number>>;
}

/** The fields of {@link GatewayMemory} that are one figure. */
export type GatewayMemoryFigure = Exclude<keyof GatewayMemory, 'heapSpaces'>;

/** Parent → child. */
export type GatewayRequest =
  | { readonly type: 'memory' }
  | { readonly type: 'cpu' }
  | { readonly type: 'close' };

/** Child → parent. */
export type GatewayReport =
  | { readonly type: 'ready'; readonly url: string; readonly startMs: number }
  | ({ readonly type: 'memory' } & GatewayMemory)
  | { readonly type: 'cpu'; readonly micros: number }
  | { readonly type: 'failed'; readonly message: string };

export interface MeasuredGateway {
  readonly url: string;
  /** How long `startGateway` took in the child: store opened, keys and revocations loaded, listening. */
  readonly startMs: number;
  memory(): Promise<GatewayMemory>;
  /**
   * The CPU time (user + system, µs) the process has used since it started. On a shared machine this measures the
   * gateway's work better than requests per second do: time spent waiting for a core is not in it.
   */
  cpuMicros(): Promise<number>;
  close(): Promise<void>;
}

const entry = fileURLToPath(new URL('./measured-gateway-process.ts', import.meta.url));

/** Bounds every wait on the child, so a hung gateway fails the run instead of stalling it. */
const replyTimeoutMs = 60_000;

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts the gateway with `env` over quiet defaults (port 0, `LOG_LEVEL=warn`, login limit lifted); resolves once
 * it listens.
 */
export async function startMeasuredGateway(env: Readonly<Record<string, string>>): Promise<MeasuredGateway> {
  const child = fork(entry, [], {
    execArgv: ['--expose-gc', '--conditions=@wecom-auth/source', '--import', 'tsx'],
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
      LOGIN_RATE_LIMIT: '1000000',
      LOGIN_CORP_BUDGET_PER_MINUTE: '10000000',
      LOGIN_CORP_BUDGET_PER_HOUR: '100000000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  const collect = (chunk: Buffer): void => {
    // Only the tail matters when a start fails; a long run must not accumulate the gateway's warnings.
    output = (output + chunk.toString()).slice(-8_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  const waiters: ((report: GatewayReport) => void)[] = [];
  child.on('message', (report: GatewayReport) => waiters.shift()?.(report));
  const nextReport = (what: string): Promise<GatewayReport> =>
    new Promise((resolve, reject) => {
      // Whichever comes first (the report, the deadline, the child's exit) removes the other two, so a late
      // report cannot be taken as the answer to a later request.
      const settle = (): void => {
        clearTimeout(timer);
        child.off('exit', onExit);
        const index = waiters.indexOf(waiter);
        if (index >= 0) waiters.splice(index, 1);
      };
      const waiter = (report: GatewayReport): void => {
        settle();
        resolve(report);
      };
      const onExit = (code: number | null): void => {
        settle();
        reject(new Error(`gateway exited (${code}) while waiting for ${what}:\n${output}`));
      };
      const timer = setTimeout(() => {
        settle();
        reject(new Error(`gateway: no ${what} within ${replyTimeoutMs} ms`));
      }, replyTimeoutMs);
      child.once('exit', onExit);
      waiters.push(waiter);
    });

  const ready = await nextReport('ready').catch(async (error: unknown) => {
    child.kill('SIGKILL');
    await exited(child);
    throw error;
  });
  if (ready.type !== 'ready') {
    child.kill('SIGKILL');
    await exited(child);
    throw new Error(
      `gateway did not start: ${ready.type === 'failed' ? ready.message : ready.type}\n${output}`,
    );
  }

  let closing: Promise<void> | undefined;
  return {
    url: ready.url,
    startMs: ready.startMs,
    async memory() {
      const reply = nextReport('memory reading');
      child.send({ type: 'memory' } satisfies GatewayRequest);
      const report = await reply;
      if (report.type !== 'memory') throw new Error(`gateway answered ${report.type} to a memory request`);
      return {
        rss: report.rss,
        heapUsed: report.heapUsed,
        heapTotal: report.heapTotal,
        external: report.external,
        heapSpaces: report.heapSpaces,
      };
    },
    async cpuMicros() {
      const reply = nextReport('CPU reading');
      child.send({ type: 'cpu' } satisfies GatewayRequest);
      const report = await reply;
      if (report.type !== 'cpu') throw new Error(`gateway answered ${report.type} to a CPU request`);
      return report.micros;
    },
    close() {
      closing ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const gone = exited(child);
        child.send({ type: 'close' } satisfies GatewayRequest);
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await gone;
        clearTimeout(timer);
      })();
      return closing;
    },
  };
}
