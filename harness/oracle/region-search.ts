import { CulpritEstimate } from './culprit-estimate.ts';
import { firstPartSize, poolGroupSize } from './group-sizes.ts';
import type { Verdict } from './types.ts';

export type Ask = (set: readonly string[]) => Promise<Verdict>;

/**
 * Evidence of a culprit set that no single unit explains: `chain[0]` failed,
 * each next set is the second part of the one before (taken to fail because
 * its first part passed), and the last one, a single unit, passed.
 */
export type Tangle = readonly (readonly string[])[];

export interface RegionFindings {
  /** Units that fail alone. */
  singles: string[];
  tangles: Tangle[];
}

/** A group believed to hold a single culprit; `chain` is how we got here from the last group that failed a probe itself. */
interface Lead {
  units: readonly string[];
  chain: Tangle;
  /** Units that were never in a probe of their own: probe them alone before halving. */
  untested?: boolean;
}

interface Question {
  set: readonly string[];
  then(verdict: Verdict): void;
}

/** Pool groups are tested while leads are being halved once this many culprits are expected in the pool: waiting costs rounds, testing a clean pool costs builds. */
const POOL_THRESHOLD = 0.5;
/**
 * With more than one probe at a time, slots that halving leaves free test
 * pool groups down to this many expected culprits: a free slot costs a
 * build, not a round, and a culprit found late costs rounds. Near the end
 * of a dense search the pool is the second parts of failed groups, too few
 * units to reach 0.1 expected culprits but where a culprit left behind is
 * only found after the final check fails, three or four rounds later; at
 * 0.02, the bench's n = 2844, k = 10 row needs 0.4 rounds fewer on average
 * (on 200 other seeds too) for about one build more at 16.
 */
const SPARE_SLOT_THRESHOLD = 0.02;

/**
 * Finds the single culprits in a region known to fail, by generalized binary
 * splitting (Hwang) run in parallel. Groups sized to hold about one culprit
 * are tested; a failing group is halved until one unit is left: when its
 * first half fails, the untested second half goes back to the pool (to be
 * grouped with other leftovers rather than tested on its own), when it
 * passes the second half is taken to fail. One probe at a time, pool groups
 * and first parts are sized by the posterior instead (group-sizes.ts), so
 * the first probes do not fail for certain when culprits are dense; the
 * first question is then a part of the whole region. The number of culprits is learnt
 * as the search goes (CulpritEstimate); each round asks one question per
 * group being halved plus, in the slots left, groups from the pool while
 * culprits are expected there. With more than one probe at a time, the
 * first round tests the region in `parallel` groups and free slots test
 * pool groups ahead (see `opening`). At the end the whole region without the
 * culprits found is tested once: if it passes, the region is done. A group
 * that fails where no unit fails alone is handed back as a Tangle.
 */
export async function searchRegion(region: readonly string[], ask: Ask, parallel: number): Promise<RegionFindings> {
  const estimate = new CulpritEstimate(region.length);
  const singles: string[] = [];
  const tangles: Tangle[] = [];
  const pool: string[] = [];
  let leads: Lead[] = parallel > 1 ? [] : [{ units: region, chain: [region] }];
  let finished = false;

  const halve = ({ units, chain }: Lead): Question => {
    if (units.length === 1) {
      return {
        set: units,
        then: (verdict) => (verdict === 'fail' ? singles.push(...units) : tangles.push([...chain, units])),
      };
    }
    const first = units.slice(0, parallel === 1 ? firstPartSize(estimate, units.length) : Math.ceil(units.length / 2));
    const second = units.slice(first.length);
    return {
      set: first,
      then: (verdict) => {
        estimate.part(first.length, units.length, verdict === 'fail');
        if (verdict === 'fail') {
          // A single unit that failed on its own is a culprit: asking it again would only repeat that answer.
          if (first.length === 1) singles.push(...first);
          else leads.push({ units: first, chain: [first] });
          pool.push(...second);
        } else {
          leads.push({ units: second, chain: [...chain, second] });
        }
      },
    };
  };

  const fromPool = (slots: number, halving: number, largestLead = Infinity): Question[] => {
    const density = estimate.culprits() / region.length;
    if (halving === 0 && pool.length * density < 1) return finalCheck();
    const size = parallel === 1 ? poolGroupSize(estimate, pool.length) : Math.max(1, Math.min(largestLead, 2 ** Math.floor(Math.log2(1 / density))));
    const questions: Question[] = [];
    const threshold = parallel > 1 && halving > 0 ? SPARE_SLOT_THRESHOLD : POOL_THRESHOLD;
    while (questions.length < slots && pool.length > 0 && pool.length * density >= threshold) {
      const group = pool.splice(0, size);
      questions.push({
        set: group,
        then: (verdict) => {
          estimate.group(group.length, verdict === 'fail');
          if (verdict === 'fail') leads.push({ units: group, chain: [group] });
        },
      });
    }
    return questions;
  };

  /**
   * Everything but the culprits found, in one probe: if it passes, the region
   * holds nothing more. With a tangle already found that probe would fail
   * for it, so then only the untested units are probed.
   */
  const finalCheck = (): Question[] => {
    const found = new Set(singles);
    const untested = pool.splice(0);
    const rest = tangles.length > 0 ? untested : region.filter((unit) => !found.has(unit));
    // Nothing left but the all-oracle mix, which is checked once at the very end.
    if (rest.length === 0) {
      finished = true;
      return [];
    }
    return [{
      set: rest,
      then: (verdict) => {
        if (verdict === 'pass') finished = true;
        else if (rest === untested) leads.push({ units: untested, chain: [untested] });
        else if (untested.length > 0) leads.push({ units: untested, chain: [rest], untested: true });
        else tangle([rest]);
      },
    }];
  };

  /**
   * The units never tested, alone (in up to `parallel` groups, as in the
   * opening), after the rest failed: if they all pass, the failure straddles
   * them and the units tested before.
   */
  const untestedChecks = ({ units, chain }: Lead): Question[] => {
    const groups = split(units, Math.min(parallel, units.length));
    let answered = 0;
    let failed = false;
    return groups.map((group) => ({
      set: group,
      then: (verdict) => {
        answered += 1;
        if (verdict === 'fail') {
          failed = true;
          leads.push({ units: group, chain: [group] });
        }
        if (answered === groups.length && !failed) tangle(chain);
      },
    }));
  };

  /**
   * When all that is left is single units taken to fail, the final check is
   * asked beside them, as if they do: a round sooner. If one passes (a
   * tangle), that answer is simply not used.
   */
  const lastCheckAhead = (halving: readonly Lead[]): Question[] => {
    if (tangles.length > 0 || halving.some((lead) => lead.untested || lead.units.length !== 1)) return [];
    const pending = halving.map((lead) => lead.units[0]);
    const expected = new Set([...singles, ...pending]);
    const rest = region.filter((unit) => !expected.has(unit));
    if (rest.length === 0) return [];
    return [{
      set: rest,
      then: (verdict) => {
        if (verdict === 'pass' && pending.every((unit) => unit !== undefined && singles.includes(unit))) finished = true;
      },
    }];
  };

  const tangle = (chain: Tangle) => {
    tangles.push(chain);
    finished = true;
  };

  /**
   * With slots to spare, the first round tests the region in `parallel`
   * groups: it shows about how many culprits there are and where, so their
   * searches run side by side from the second round on (rounds about
   * log2(n/k), not k·log2 n), for up to `parallel` − 1 builds a sequential
   * search would not make. When every group passes, the culprits fail only
   * together across groups: the final check finds that tangle.
   */
  const opening = (): Question[] =>
    split(region, Math.min(parallel, region.length)).map((group) => ({
      set: group,
      then: (verdict) => {
        estimate.group(group.length, verdict === 'fail');
        if (verdict === 'fail') leads.push({ units: group, chain: [group] });
      },
    }));

  /** One round: every question asked at once, then the answers applied in order. */
  const askAll = async (questions: readonly Question[]) => {
    const verdicts = await Promise.all(questions.map((question) => ask(question.set)));
    questions.forEach((question, i) => question.then(verdicts[i] ?? 'fail'));
  };

  if (parallel > 1) await askAll(opening());

  while (!finished) {
    const halving = leads;
    leads = [];
    const questions = halving.flatMap((lead) => (lead.untested ? untestedChecks(lead) : [halve(lead)]));
    if (halving.length === 0 && pool.length === 0 && tangles.length > 0) break;
    if (halving.length === 0 || pool.length > 0) questions.push(...fromPool(Math.max(parallel - questions.length, 1), halving.length, parallel > 1 && halving.length > 0 ? Math.max(...halving.map((lead) => lead.units.length)) : Infinity));
    if (parallel > 1 && halving.length > 0 && questions.length < parallel) questions.push(...lastCheckAhead(halving));
    await askAll(questions);
  }
  return { singles, tangles };
}

/** `units` cut into `count` consecutive groups whose sizes differ by at most one. */
function split(units: readonly string[], count: number): string[][] {
  return Array.from({ length: count }, (_, i) => units.slice(Math.floor((i * units.length) / count), Math.floor(((i + 1) * units.length) / count)));
}
