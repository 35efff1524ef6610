import { createHash } from 'node:crypto';
/**
 * Evidence for the suite-wide secret scan: every reliability test file records what left the gateway (log lines,
 * child-process output, response bodies, the errors its WeCom client threw) and the secrets that were in play
 * (corpsecret, suite secret and callback keys, tickets, WeCom access and suite tokens, permanent and auth codes,
 * session keys, refresh tokens, keys). `secret-scan.test.ts` runs last and searches all of it.
 *
 * Files, not memory: test files run in separate processes, and a crashed gateway's output must still be searched.
 */
import { appendFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    evidenceDir: string;
  }
}

/**
 * Where a secret may legitimately appear. Our own access and refresh tokens are handed to the client in responses
 * by design, so they are searched for in logs only; WeCom's secrets and the server-side keys must appear nowhere.
 */
export type SecretScope = 'nowhere' | 'not-in-logs';

export interface RecordedSecret {
  readonly kind: string;
  readonly scope: SecretScope;
  readonly value: string;
}

/** `error`: an error's message, stack and JSON, as a caller of the client would log them. */
export type EvidenceKind = 'log' | 'response' | 'error';

const evidenceKinds: readonly EvidenceKind[] = ['log', 'response', 'error'];

function evidenceDir(): string {
  const dir = inject('evidenceDir');
  for (const kind of evidenceKinds) mkdirSync(join(dir, kind), { recursive: true });
  return dir;
}

/** One file per source and process, so parallel writers never interleave within a file. */
function fileFor(kind: EvidenceKind, source: string): string {
  const safe = source.replace(/[^\w.-]+/g, '_');
  return join(evidenceDir(), kind, `${safe}.${process.pid}.txt`);
}

/** Appends text (a log line, a process's output, a response body) to the evidence of `source`. */
export function recordEvidence(kind: EvidenceKind, source: string, text: string): void {
  if (text.length === 0) return;
  appendFileSync(fileFor(kind, source), text.endsWith('\n') ? text : `${text}\n`);
}

/** A pino destination that records every log line of a gateway as evidence. */
export function evidenceLogDestination(source: string): { write(line: string): void } {
  return {
    write(line: string) {
      recordEvidence('log', source, line);
    },
  };
}

/** Secrets this process recorded already: a token seen at every login is written once. */
const recorded = new Set<string>();

/** Records a secret that was in play, to be searched for once the whole suite has run. */
export function recordSecret(kind: string, value: string | undefined, scope: SecretScope = 'nowhere'): void {
  // Short values would match by accident and prove nothing.
  if (value === undefined || value.length < 8) return;
  // Remembered by digest: the test process's own heap is measured (fuzz-volume), and a set of whole tokens would grow
  // by a kilobyte per token recorded, counted against the gateway.
  const key = createHash('sha256').update(`${kind}\u0000${scope}\u0000${value}`).digest('base64');
  if (recorded.has(key)) return;
  recorded.add(key);
  const line = JSON.stringify({ kind, scope, value } satisfies RecordedSecret);
  appendFileSync(join(evidenceDir(), `secrets.${process.pid}.jsonl`), `${line}\n`);
}

export interface Evidence {
  /** File name (source and process) → text. */
  readonly logs: ReadonlyMap<string, string>;
  readonly responses: ReadonlyMap<string, string>;
  readonly errors: ReadonlyMap<string, string>;
  readonly secrets: readonly RecordedSecret[];
}

export function readEvidence(): Evidence {
  const dir = evidenceDir();
  const readAll = (kind: EvidenceKind): Map<string, string> =>
    new Map(readdirSync(join(dir, kind)).map((name) => [name, readFileSync(join(dir, kind, name), 'utf8')]));
  // Processes record the same secret (a demo secret, a long-lived token) each: it is searched for once.
  const lines = new Set(
    readdirSync(dir)
      .filter((name) => name.startsWith('secrets.'))
      .flatMap((name) => readFileSync(join(dir, name), 'utf8').split('\n'))
      .filter((line) => line.length > 0),
  );
  const secrets = [...lines].map((line) => JSON.parse(line) as RecordedSecret);
  return { logs: readAll('log'), responses: readAll('response'), errors: readAll('error'), secrets };
}
