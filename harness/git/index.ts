export type { ControllerRepo, IngestResult, MergeResult, UpstreamAccess, UpstreamCredentials, Workspace } from './types.ts';
export { chownTree, GitControllerRepo, type GitControllerRepoOptions } from './controller-repo.ts';
export { bearerConfig, configEnv, CONTROLLER_IDENTITY, gitEnv, gitFailure, runGit, type GitCallOptions, type GitOutput } from './safe-git.ts';
export { clearStaleLocks, neutralizeGitDir, realDirectory } from './workspace-guard.ts';
export { changedTrustedPaths, overlayTrusted, trustedMatcher, type OverlayOptions, type TrustedChange, type TrustedChangeKind, type TrustedChanges } from './trusted.ts';
export { taskBranch } from './task-branch.ts';
