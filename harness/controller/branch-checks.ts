import type { GantryConfig } from '../config/types.ts';
import { GantryError } from '../errors.ts';
import type { ControllerRepo, IngestResult } from '../git/types.ts';
import { firstOf } from '../text.ts';
import type { Containment } from './session-outcome.ts';

const MIB = 2 ** 20;
/** Names enough of a long list for a person to see the pattern. */
const NAMED = 5;
const some = (items: readonly string[]) => firstOf(items, NAMED);

/**
 * What a branch may not carry into main, looked at after the last ingest and
 * before the gate: more files than `limits.branchFiles`, a file larger than
 * `container.fileSize` in any of its commits (a blob of zeros compresses to
 * nothing in git and unpacks to gigabytes in the gate's tree), or a symlink
 * that points outside the repository. Each is noted for the journal, then
 * sent back to the agent as a retryable failure that names it.
 */
export async function refuseUnsafeBranch(repo: ControllerRepo, config: GantryConfig, ingested: IngestResult, note: (found: Containment) => Promise<void>): Promise<void> {
  const refuse = async (found: Containment, fix: string) => {
    await note(found);
    throw new GantryError('BRANCH_REFUSED', `the branch was refused before the gate: it ${found.detail}; ${fix}`, { retryable: true });
  };
  const { branchFiles } = config.limits;
  if (ingested.files.length > branchFiles) {
    await refuse(
      { kind: 'branch-size', detail: `changes ${ingested.files.length} files, more than limits.branchFiles (${branchFiles})` },
      'split the work into smaller tasks, and keep generated files out of git',
    );
  }
  const { fileSizeBytes } = config.container;
  // A file that reached the limit was cut short by it: what the agent meant to add was larger.
  const large = await repo.largeFiles(ingested.head, fileSizeBytes - 1);
  if (large.length > 0) {
    await refuse(
      { kind: 'large-file', detail: `carries files as large as container.fileSize or larger (${Math.round(fileSizeBytes / MIB)} MiB): ${some(large.map((blob) => `${blob.path} (${Math.round(blob.bytes / MIB)} MiB)`))}` },
      'remove them from every commit of the branch (rewrite it from main), and keep large files out of git',
    );
  }
  const links = await repo.linksOutside(ingested.head);
  if (links.length > 0) {
    await refuse(
      { kind: 'symlink', detail: `adds symlinks that point outside the repository: ${some(links.map((link) => `${link.path} -> ${link.target}`))}` },
      'make them relative links inside the repository, or copy what they point to',
    );
  }
}
