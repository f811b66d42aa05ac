import { describe, expect, it } from 'vitest';
import { filesNamedBy } from '../../harness/config/command-files.ts';
import { configKeys } from '../../harness/git/workspace-guard.ts';

describe('filesNamedBy', () => {
  it.each<[string, string[]]>([
    ['sh test.sh', ['test.sh']],
    ['bash scripts/ci.sh --fast && make check', ['scripts/ci.sh', 'Makefile']],
    ['./scripts/ci', ['scripts/ci']],
    ['node tools/check.mjs | tee out', ['tools/check.mjs']],
    ['npm test', []],
    ['npx vitest run --reporter=json --outputFile=$GANTRY_RESULTS {files} -t {pattern}', []],
    ['sh /usr/local/bin/run.sh; sh ../outside.sh; sh "$SCRIPT"', []],
  ])('when the gate command is %j, the files it names are %j', (command, files) => {
    expect(filesNamedBy(command)).toEqual(files);
  });
});

describe('configKeys', () => {
  it('when a git config has sections, subsections and odd spacing, every key comes out as section.sub.name', () => {
    const text = [
      '[core]', '\trepositoryformatversion = 0', '\tfsmonitor = "touch /tmp/pwned"', '\tSSHCommand=evil',
      '[remote "origin"]', '\turl = /x', '\tuploadpack = evil', '[ include ]', '\tpath = /etc/gitconfig', '[alias]', '\tst', '# [core] comment',
    ].join('\n');
    expect(configKeys(text)).toEqual(['core.repositoryformatversion', 'core.fsmonitor', 'core.sshcommand', 'remote.origin.url', 'remote.origin.uploadpack', 'include.path', 'alias.st']);
  });
});
