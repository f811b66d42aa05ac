import { statfs } from 'node:fs/promises';
import { GantryError, isGantryError } from '../errors.ts';
import type { Logger } from '../log.ts';

/** What a write that found no room fails with. */
const NO_SPACE_CODES = new Set(['ENOSPC', 'EDQUOT']);

/**
 * By its errno only: a message could carry an agent's words (its output, its
 * test failures), and an agent must not be able to pass its failures off as
 * the disk's.
 */
function isNoSpace(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 8) return false;
  const { code } = error as NodeJS.ErrnoException;
  return (code !== undefined && NO_SPACE_CODES.has(code)) || isNoSpace(error.cause, depth + 1);
}

function mebibytes(bytes: number): string {
  return `${Math.floor(bytes / 2 ** 20)} MiB`;
}

/**
 * The state directory's free space (`limits.minFreeDisk`). Below the minimum
 * the run pauses instead of failing tasks: no session or gate run starts,
 * and a failure met while space is short is blamed on the disk, not on the
 * agent (DISK_FULL, which parks the task without spending an attempt). The
 * run resumes by itself once space is freed; the shortage and its end are
 * logged once each.
 */
export class DiskSpace {
  readonly #dir: string;
  readonly #minFreeBytes: number;
  readonly #logger: Logger;
  #short = false;

  constructor(options: { dir: string; minFreeBytes: number; logger: Logger }) {
    this.#dir = options.dir;
    this.#minFreeBytes = options.minFreeBytes;
    this.#logger = options.logger;
  }

  /** Free bytes for an unprivileged writer; undefined when the directory cannot be looked at (then nothing is blamed on the disk). */
  async #free(): Promise<number | undefined> {
    try {
      const stats = await statfs(this.#dir);
      return stats.bavail * stats.bsize;
    } catch {
      return undefined;
    }
  }

  #error(free: number | undefined, cause?: unknown): GantryError {
    const found = free === undefined ? 'is full' : `has ${mebibytes(free)} free`;
    return new GantryError(
      'DISK_FULL',
      `the file system of the state directory ${this.#dir} ${found}, less than limits.minFreeDisk (${mebibytes(this.#minFreeBytes)}): ` +
        'free space there (old runs under runs/, or a larger disk); tasks wait without spending an attempt and the run goes on by itself',
      { retryable: true, ...(cause === undefined ? {} : { cause }) },
    );
  }

  #note(short: boolean, error?: GantryError): void {
    if (short === this.#short) return;
    this.#short = short;
    if (error) this.#logger.error({ code: error.code, dir: this.#dir }, `${error.message}; paused`);
    else this.#logger.info({ dir: this.#dir }, 'the state directory has room again; the run goes on');
  }

  /** Throws DISK_FULL when free space is below the minimum. */
  async requireSpace(): Promise<void> {
    const free = await this.#free();
    if (free === undefined || free >= this.#minFreeBytes) {
      this.#note(false);
      return;
    }
    const error = this.#error(free);
    this.#note(true, error);
    throw error;
  }

  /**
   * The error as the run should see it: DISK_FULL when a write found no
   * room, or when it happened while free space is below the minimum (an
   * agent whose commit failed for want of space is not at fault); else as it is.
   */
  async explain(error: unknown): Promise<unknown> {
    if (isGantryError(error) && error.code === 'DISK_FULL') return error;
    const free = await this.#free();
    const short = free !== undefined && free < this.#minFreeBytes;
    if (!short && !isNoSpace(error)) return error;
    const explained = this.#error(free, error);
    this.#note(true, explained);
    return explained;
  }
}
