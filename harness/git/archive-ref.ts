import { CONTROLLER_IDENTITY, runGit } from './safe-git.ts';

const ZERO_OID = '0'.repeat(40);

/**
 * Keeps `head` as `refs/gantry/archive/<task-id>/<n>`, n the next free number,
 * and returns the ref. It points at an annotated tag whose message is the
 * outcome: a bare repository keeps no reflog, and the record must travel with
 * the ref (fetch, push, bundle) rather than live beside it.
 */
export async function writeArchiveRef(repoDir: string, taskId: string, head: string, outcome: string): Promise<string> {
  const prefix = `refs/gantry/archive/${taskId}/`;
  const listed = await runGit(['for-each-ref', '--format=%(refname)', prefix], { cwd: repoDir });
  let next = 1 + Math.max(0, ...listed.stdout.split('\n').map((ref) => Number(ref.slice(prefix.length)) || 0));
  for (;;) {
    const tag = await runGit(['mktag'], { cwd: repoDir, input: tagText(head, `gantry/archive/${taskId}/${next}`, outcome) });
    // Create-only (expected value zero): a concurrent archive of the same task takes the next number.
    const created = await runGit(['update-ref', `${prefix}${next}`, tag.stdout.trim(), ZERO_OID], { cwd: repoDir, okExitCodes: [128] });
    if (created.exitCode === 0) return `${prefix}${next}`;
    next += 1;
  }
}

function tagText(head: string, name: string, outcome: string): string {
  return [
    `object ${head}`,
    'type commit',
    `tag ${name}`,
    `tagger ${CONTROLLER_IDENTITY.name} <${CONTROLLER_IDENTITY.email}> ${Math.floor(Date.now() / 1000)} +0000`,
    '',
    `${outcome.replaceAll('\0', '')}\n`,
  ].join('\n');
}
