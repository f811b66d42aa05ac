/** The branch a task's agent works on, in its work tree and as the controller fetched it. */
export function taskBranch(taskId: string): string {
  return `gantry/${taskId}`;
}
