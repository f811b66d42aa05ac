import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { GantryConfig } from '../config/types.ts';
import { GantryError } from '../errors.ts';
import type { BudgetScope } from '../reports/index.ts';

/** Who a session spends for: the run, its task and its task's role. */
export interface SpendScope {
  task: string;
  role: string;
  /** This task's limit where its role sets one (`limits.dollars`); else budget.perTask. */
  perTaskUsd?: number;
}

/** A budget that stopped a session from starting. */
export type BudgetReached = BudgetScope & {
  limitUsd: number;
  /** Spent by sessions that ended. */
  spentUsd: number;
  /** What sessions still running in the scope are expected to spend (see BudgetGuard). */
  expectedUsd: number;
  running: number;
};

/** What one session holds while it runs; settle it exactly once with what it spent (later calls do nothing). */
export interface Reservation {
  settle(costUsd: number, options?: { sample: boolean }): Promise<void>;
}

export type Admission = { admitted: true; reservation: Reservation } | { admitted: false; reached: BudgetReached; first: boolean };

export interface Spend {
  run: number;
  tasks: Record<string, number>;
  roles: Record<string, number>;
  /** Mean cost of the sessions that ran to their end. */
  meanUsd: number;
}

// Admits a session unless a budget in its scope is reached, counting each
// session still running there at the mean session cost seen so far; then
// reserves its place (a sorted-set member that expires, so a crashed process
// cannot hold one forever). Returns {} when admitted, else the budget reached
// and whether this is the first time it was (HSETNX: journal it once).
const ADMIT = `
local now = tonumber(ARGV[1])
local task, role = ARGV[4], ARGV[5]
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local sessions = tonumber(redis.call('HGET', KEYS[1], 'sessions') or '0')
local sampled = tonumber(redis.call('HGET', KEYS[1], 'sampled') or '0')
local mean = 0
if sessions > 0 then mean = sampled / sessions end
local running = {run = 0, task = 0, role = 0}
for _, member in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  local held = cjson.decode(member)
  running.run = running.run + 1
  if held.task == task then running.task = running.task + 1 end
  if held.role == role then running.role = running.role + 1 end
end
local checks = {{'run', 'run', ARGV[6]}, {'task', 'task:' .. task, ARGV[7]}, {'role', 'role:' .. role, ARGV[8]}}
for _, check in ipairs(checks) do
  local scope, field, limit = check[1], check[2], tonumber(check[3])
  if limit then
    local spent = tonumber(redis.call('HGET', KEYS[1], field) or '0')
    local expected = running[scope] * mean
    if spent + expected >= limit then
      local reached = cjson.encode({scope = scope, task = task, role = role, limitUsd = limit, spentUsd = spent, expectedUsd = expected, running = running[scope]})
      local first = redis.call('HSETNX', KEYS[3], field, reached)
      return {reached, first}
    end
  end
end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return {}
`;

/**
 * Spending of a run in Redis (the whole run, each task, each role; under the
 * run id, so a new run starts from zero), shared by every controller, and the
 * check before each session against `budget:` in the config.
 *
 * Sessions already running when a budget is reached finish. To keep the
 * overspend near one session's cost when several run at once, each running
 * session counts as the mean cost of the sessions that ended so far: a new
 * one starts only while spent + running × mean < limit. Until a first session
 * ends the mean is 0, so the first wave (up to `concurrency` sessions) always
 * starts.
 */
export class BudgetGuard {
  readonly #redis: Redis;
  readonly #budget: GantryConfig['budget'];
  /** A reservation outlives no session: a crashed process's lapses after this. */
  readonly #holdMs: number;
  readonly #spent: string;
  readonly #running: string;
  readonly #reached: string;

  constructor(options: { redis: Redis; prefix: string; run: string; budget: GantryConfig['budget']; sessionTimeoutMs: number }) {
    this.#redis = options.redis;
    this.#budget = options.budget;
    this.#holdMs = options.sessionTimeoutMs + 60_000;
    const base = `${options.prefix}:budget:${options.run}`;
    this.#spent = `${base}:spent`;
    this.#running = `${base}:running`;
    this.#reached = `${base}:reached`;
  }

  /** Reserves a place for one session in every budget of its scope, or says which budget is reached. */
  async admit(scope: SpendScope): Promise<Admission> {
    const limits = [this.#budget.run, scope.perTaskUsd ?? this.#budget.perTask, this.#budget.perRole[scope.role]];
    if (limits.every((limit) => limit === undefined)) return { admitted: true, reservation: this.#reservation(scope, undefined) };
    const member = JSON.stringify({ task: scope.task, role: scope.role, id: randomBytes(6).toString('hex') });
    const now = Date.now();
    const answer = (await this.#redis.eval(
      ADMIT, 3, this.#spent, this.#running, this.#reached,
      now, now + this.#holdMs, member, scope.task, scope.role, ...limits.map((limit) => (limit === undefined ? '' : String(limit))),
    )) as [] | [string, number];
    if (answer.length === 0) return { admitted: true, reservation: this.#reservation(scope, member) };
    return { admitted: false, reached: toReached(JSON.parse(answer[0]) as RawReached), first: answer[1] === 1 };
  }

  async spend(): Promise<Spend> {
    const fields = await this.#redis.hgetall(this.#spent);
    const spend: Spend = { run: Number(fields['run'] ?? 0), tasks: {}, roles: {}, meanUsd: 0 };
    const sessions = Number(fields['sessions'] ?? 0);
    if (sessions > 0) spend.meanUsd = Number(fields['sampled'] ?? 0) / sessions;
    for (const [field, value] of Object.entries(fields)) {
      if (field.startsWith('task:')) spend.tasks[field.slice('task:'.length)] = Number(value);
      if (field.startsWith('role:')) spend.roles[field.slice('role:'.length)] = Number(value);
    }
    return spend;
  }

  /** Every budget reached in this run, once each, with what its scope has spent by now. */
  async reached(): Promise<BudgetReached[]> {
    const spend = await this.spend();
    return (await this.#redis.hvals(this.#reached)).map((value) => {
      const reached = toReached(JSON.parse(value) as RawReached);
      const spentUsd = reached.scope === 'run' ? spend.run : reached.scope === 'task' ? spend.tasks[reached.task] : spend.roles[reached.role];
      return { ...reached, spentUsd: spentUsd ?? reached.spentUsd, expectedUsd: 0, running: 0 };
    });
  }

  #reservation(scope: SpendScope, member: string | undefined): Reservation {
    let settled = false;
    return {
      settle: async (costUsd, options = { sample: true }) => {
        if (settled) return;
        settled = true;
        const write = this.#redis.multi();
        if (member !== undefined) write.zrem(this.#running, member);
        write.hincrbyfloat(this.#spent, 'run', costUsd);
        write.hincrbyfloat(this.#spent, `task:${scope.task}`, costUsd);
        write.hincrbyfloat(this.#spent, `role:${scope.role}`, costUsd);
        if (options.sample) write.hincrby(this.#spent, 'sessions', 1).hincrbyfloat(this.#spent, 'sampled', costUsd);
        await write.exec();
      },
    };
  }
}

type RawReached = { scope: 'run' | 'task' | 'role'; task: string; role: string; limitUsd: number; spentUsd: number; expectedUsd: number; running: number };

function toReached(raw: RawReached): BudgetReached {
  return { ...scopeOf(raw), limitUsd: raw.limitUsd, spentUsd: raw.spentUsd, expectedUsd: raw.expectedUsd, running: raw.running };
}

/** The budget's scope alone, as the journal names it. */
export function scopeOf(reached: { scope: BudgetScope['scope']; task?: string; role?: string }): BudgetScope {
  switch (reached.scope) {
    case 'run':
      return { scope: 'run' };
    case 'task':
      return { scope: 'task', task: reached.task ?? '' };
    default:
      return { scope: 'role', role: reached.role ?? '' };
  }
}

const dollars = (amount: number): string => `$${amount.toFixed(2)}`;

/** "run budget $5.00 reached ($5.12 spent): raise budget.run to go on" */
export function budgetMessage(reached: BudgetReached): string {
  const [name, setting] =
    reached.scope === 'run' ? ['run budget', 'budget.run']
      : reached.scope === 'task' ? [`budget of task ${reached.task}`, 'budget.perTask (or limits.dollars in the task\'s role file)']
        : [`budget of role ${reached.role}`, `budget.perRole.${reached.role}`];
  const expected = reached.running === 0 ? '' : `, ${dollars(reached.expectedUsd)} more expected from ${reached.running} running session(s)`;
  return `${name} ${dollars(reached.limitUsd)} reached (${dollars(reached.spentUsd)} spent${expected}): raise ${setting} to go on`;
}

export function budgetError(reached: BudgetReached): GantryError {
  return new GantryError('BUDGET_REACHED', budgetMessage(reached), { data: { ...reached } });
}
