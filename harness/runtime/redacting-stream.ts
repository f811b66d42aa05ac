import { Transform, type TransformCallback } from 'node:stream';

export const REDACTED = '***';

/**
 * The container's output on its way to the log file: counts the bytes, and
 * replaces every secret with `***`. A secret may arrive split across chunks,
 * so a chunk's end that could be the start of one waits for the next chunk
 * (or the stream's end) before it is written. Only such an end waits: a
 * quiet agent's last line reaches the log, and the dashboard's tail, at once.
 */
export class RedactingStream extends Transform {
  /** Bytes the container wrote, before redaction. */
  bytesIn = 0;
  /** Secrets replaced so far. */
  redactions = 0;
  readonly #secrets: Buffer[];
  #pending: Buffer = Buffer.alloc(0);

  constructor(secrets: readonly string[]) {
    super();
    this.#secrets = secretBuffers(secrets);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytesIn += chunk.length;
    if (this.#secrets.length === 0) {
      done(null, chunk);
      return;
    }
    const { text, count } = replaceSecrets(Buffer.concat([this.#pending, chunk]), this.#secrets);
    this.redactions += count;
    const ready = text.length - secretStartAtEnd(text, this.#secrets);
    this.#pending = text.subarray(ready);
    done(null, text.subarray(0, ready));
  }

  override _flush(done: TransformCallback): void {
    done(null, this.#pending);
  }
}

/** The length of the longest end of `text` that is the beginning of a secret (0 when none is). */
function secretStartAtEnd(text: Buffer, secrets: readonly Buffer[]): number {
  let longest = 0;
  for (const secret of secrets) {
    for (let length = Math.min(secret.length - 1, text.length); length > longest; length -= 1) {
      if (text.subarray(text.length - length).equals(secret.subarray(0, length))) {
        longest = length;
        break;
      }
    }
  }
  return longest;
}

/** Longest first, so a secret that contains another is replaced whole. */
function secretBuffers(secrets: readonly string[]): Buffer[] {
  return [...new Set(secrets.filter((secret) => secret.length > 0))].map((secret) => Buffer.from(secret)).sort((a, b) => b.length - a.length);
}

function replaceSecrets(text: Buffer, secrets: readonly Buffer[]): { text: Buffer; count: number } {
  let out: Buffer = text;
  let count = 0;
  for (const secret of secrets) {
    const parts: Buffer[] = [];
    let from = 0;
    for (let at = out.indexOf(secret); at >= 0; at = out.indexOf(secret, from)) {
      parts.push(out.subarray(from, at), Buffer.from(REDACTED));
      count += 1;
      from = at + secret.length;
    }
    if (from === 0) continue;
    parts.push(out.subarray(from));
    out = Buffer.concat(parts);
  }
  return { text: out, count };
}

/** `text` with every secret replaced by `***`, and how many were. */
export function redactSecrets(text: string, secrets: readonly string[]): { text: string; count: number } {
  const { text: out, count } = replaceSecrets(Buffer.from(text), secretBuffers(secrets));
  return { text: out.toString(), count };
}

/** Environment variables whose values are secrets: keys, tokens, passwords. */
const SECRET_NAME = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH/i;
/** Shorter values would redact ordinary words and numbers. */
const MIN_SECRET_LENGTH = 8;

/** The values of an environment that must never reach a log. */
export function secretValues(env: Readonly<Record<string, string>>): string[] {
  return Object.entries(env).filter(([name, value]) => SECRET_NAME.test(name) && value.length >= MIN_SECRET_LENGTH).map(([, value]) => value);
}
