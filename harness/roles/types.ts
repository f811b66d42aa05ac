import type { TaskSource } from '../sources/source-schema.ts';

/** A role, as the scheduler, the briefs and the scope check use it (from a role file, defaults filled in). */
export interface Role {
  name: string;
  description?: string;
  /** Agents of this role at once; 0 pauses it; absent: as many as `concurrency` allows. */
  count?: number;
  /** Higher starts first when slots are short. */
  priority: number;
  prompt: string;
  /** Where this role's agent differs from gantry.yaml's `agent`. */
  agent: { kind?: 'command' | 'claude-code' | 'codex'; image?: string; model?: string; command?: string };
  scope: { owns: string[]; avoid: string[] };
  limits: { sessions?: number; minutes?: number; dollars?: number };
  /** Where the role's tasks come from besides `gantry task add` (run when `sources` names the role). */
  source?: TaskSource;
  /** Absolute path of the role file. */
  file: string;
  /** From gantry's own roles/ rather than the project's. */
  builtIn: boolean;
}

/** `roles:` in gantry.yaml, with every role file read. */
export interface RoleSettings {
  /** Absolute path of the project's role files, if it has any. */
  dir?: string;
  /** What happens to a branch that changes files outside its role's scope. */
  scope: 'reject' | 'flag';
  /** Whether a task that declares a file a running task declared waits for it (`wait`) or starts anyway (`run`). */
  overlap: 'wait' | 'run';
  /** Roles whose task sources run while the controller does. */
  sources: string[];
  /** By name; a project file replaces the built-in role of the same name. */
  roles: Record<string, Role>;
}
