import { z } from 'zod';
import { AgentKind } from '../config/schema.ts';
import { TaskSourceSchema } from '../sources/source-schema.ts';

/**
 * The shape of a role file (roles/NAME.yaml). Every field carries a
 * description: they word the validation messages and docs/roles.md.
 */

const globs = (what: string) => z.array(z.string().min(1)).describe(what).meta({ examples: [['src/**']] });

export const RoleSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'expected a lower-case name of letters, digits and -, starting with a letter (at most 32 characters)').describe('The role\'s name, as tasks name it (`--role`); it must match the file name (`core` in core.yaml).').meta({ examples: ['core'] }),
    description: z.string().min(1).optional().describe('One line on what the role is for, shown by `gantry roles list`.').meta({ examples: ['Fixes failing tests and builds features'] }),
    count: z.number().int().min(0).max(256).optional().describe('How many agents of this role run at once; 0 pauses the role (its tasks wait). Without it the role may use every slot `concurrency` gives.').meta({ examples: [1] }),
    priority: z.number().int().min(0).max(100).default(50).describe('When more tasks are ready than `concurrency` allows, roles with a higher priority start theirs first.'),
    prompt: z.string().min(1).describe('The standing part of every brief of this role: what the agent is for, what to look at, what to leave alone.').meta({ examples: ['You are a core developer. Fix the failing test named in the task.'] }),
    agent: z
      .object({
        kind: AgentKind.optional(),
        image: z.string().min(1).optional().describe('Docker image this role\'s sessions run in (it must have the agent\'s CLI).').meta({ examples: ['gantry/claude-code'] }),
        model: z.string().min(1).optional().describe('Model name handed to the agent CLI.').meta({ examples: ['claude-sonnet-4-5'] }),
        command: z.string().min(1).optional().describe('For kind `command`: the shell command run as the agent.').meta({ examples: ['sh ./scripts/docs-agent.sh'] }),
      })
      .strict()
      .default({})
      .describe('What runs this role\'s sessions, where it differs from gantry.yaml\'s `agent` (kind, image, model, command); unset fields come from there.'),
    scope: z
      .object({
        owns: globs('Globs of the files this role may change (relative to the repository root; `**` crosses folders).').default(['**']),
        avoid: globs('Globs of the files this role must not change, even inside `owns`.').default([]),
      })
      .strict()
      .default({ owns: ['**'], avoid: [] })
      .describe('The files the role works on. A branch that changes a file outside `owns`, or inside `avoid`, is rejected or flagged (`roles.scope` in gantry.yaml), with the files named.'),
    limits: z
      .object({
        sessions: z.number().int().positive().optional().describe('Most sessions one attempt may run (else `limits.sessions`).'),
        minutes: z.number().positive().optional().describe('Longest one attempt may run, in minutes (else `limits.taskTimeout`).').meta({ unit: 'minutes' }),
        dollars: z.number().positive().optional().describe('Most one task of this role may spend, all attempts together (else `budget.perTask`).').meta({ unit: 'dollars' }),
      })
      .strict()
      .default({})
      .describe('Limits of this role\'s tasks, where they differ from gantry.yaml\'s.'),
    source: TaskSourceSchema.optional(),
  })
  .strict()
  .describe('A role file');

export type RoleFile = z.output<typeof RoleSchema>;
