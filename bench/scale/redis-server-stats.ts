/**
 * What the Redis server itself spent during a load run, read from `INFO cpu` and `INFO commandstats` of each node
 * before and after: its CPU time, and per command the calls and the time inside them. On a shared 2-core machine
 * requests per second follow the other work; CPU time per request and microseconds per call follow the work itself,
 * so they are what shows whether a store gets slower with its size. For Redis Cluster the nodes' figures are summed.
 */
import { Redis } from 'ioredis';

/** Calls of one command and the time Redis spent in them, in microseconds (`INFO commandstats`). */
export interface CommandCost {
  readonly calls: number;
  readonly usec: number;
}

/** One reading of every node, summed. */
export interface RedisServerReading {
  /** `used_cpu_user` + `used_cpu_sys`, in microseconds. */
  readonly cpuMicros: number;
  readonly commands: Readonly<Record<string, CommandCost>>;
}

/** What changed between two readings. */
export function readingDelta(before: RedisServerReading, after: RedisServerReading): RedisServerReading {
  const commands: Record<string, CommandCost> = {};
  for (const [name, cost] of Object.entries(after.commands)) {
    const earlier = before.commands[name] ?? { calls: 0, usec: 0 };
    const calls = cost.calls - earlier.calls;
    if (calls > 0) commands[name] = { calls, usec: cost.usec - earlier.usec };
  }
  return { cpuMicros: after.cpuMicros - before.cpuMicros, commands };
}

function infoNumber(info: string, field: string): number {
  return Number(new RegExp(`^${field}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
}

/** Parses `INFO commandstats` (`cmdstat_evalsha:calls=…,usec=…,…`). */
export function parseCommandStats(info: string): Record<string, CommandCost> {
  const commands: Record<string, CommandCost> = {};
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    commands[match[1] as string] = { calls: Number(match[2]), usec: Number(match[3]) };
  }
  return commands;
}

/** Admin connections to the nodes of one store: readings and `used_memory`, never the data. */
export class RedisServerStats {
  readonly #nodes: Redis[];

  /** `urls`: `redis://host:port` of every node (one for a standalone server). */
  constructor(urls: readonly string[]) {
    this.#nodes = urls.map((url) => new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: false }));
  }

  async read(): Promise<RedisServerReading> {
    const infos = await Promise.all(this.#nodes.map((node) => node.info('all')));
    const commands: Record<string, CommandCost> = {};
    let cpuMicros = 0;
    for (const info of infos) {
      cpuMicros += (infoNumber(info, 'used_cpu_user') + infoNumber(info, 'used_cpu_sys')) * 1_000_000;
      for (const [name, cost] of Object.entries(parseCommandStats(info))) {
        const sum = commands[name] ?? { calls: 0, usec: 0 };
        commands[name] = { calls: sum.calls + cost.calls, usec: sum.usec + cost.usec };
      }
    }
    return { cpuMicros, commands };
  }

  /** `used_memory` summed over the nodes. */
  async usedMemory(): Promise<number> {
    const infos = await Promise.all(this.#nodes.map((node) => node.info('memory')));
    return infos.reduce((sum, info) => sum + infoNumber(info, 'used_memory'), 0);
  }

  close(): void {
    for (const node of this.#nodes) node.disconnect();
  }
}
