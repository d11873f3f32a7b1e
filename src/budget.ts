// A work budget for code that runs user-written programs in-process (release-note templates): time,
// steps and characters produced, checked where the program loops or builds strings.

export interface BudgetLimits {
  /** Wall-clock milliseconds. */
  ms: number;
  /** Characters the program may produce in total (strings built by output, repetition, joins). */
  chars: number;
}

/** A towncrier template renders in milliseconds; 5 s (env WHEELWRIGHT_TEMPLATE_BUDGET, seconds) is far beyond it. */
export const TEMPLATE_BUDGET: BudgetLimits = {
  ms: Number(process.env.WHEELWRIGHT_TEMPLATE_BUDGET) > 0 ? Number(process.env.WHEELWRIGHT_TEMPLATE_BUDGET) * 1000 : 5_000,
  chars: 64 * 1024 * 1024,
};

/** Thrown from inside the program; the entry point turns it into a message naming the file. */
export class BudgetExceeded extends Error {
  constructor(readonly what: 'time' | 'size', readonly limits: BudgetLimits) {
    super(what === 'time' ? `ran longer than ${limits.ms / 1000} s` : `produced more than ${limits.chars} characters`);
  }
}

interface Active {
  limits: BudgetLimits;
  deadline: number;
  steps: number;
  chars: number;
  /** Set when the budget ran out, in case the program caught the error. */
  over?: BudgetExceeded;
}
let active: Active | null = null;

/** Run `fn` under `limits`; throws BudgetExceeded when it ran out, even if `fn` caught it. Nested calls keep the outer budget. */
export function withBudget<T>(limits: BudgetLimits, fn: () => T): T {
  if (active) return fn();
  const a: Active = { limits, deadline: Date.now() + limits.ms, steps: 0, chars: 0 };
  active = a;
  try {
    const result = fn();
    if (a.over) throw a.over;
    return result;
  } catch (err) {
    throw a.over ?? err;
  } finally {
    active = null;
  }
}

function exceeded(a: Active, what: 'time' | 'size'): BudgetExceeded {
  a.over = new BudgetExceeded(what, a.limits);
  return a.over;
}

/** One step of work (a loop iteration, a generated item) that produced `chars` characters. */
export function tick(chars = 0): void {
  const a = active;
  if (!a) return;
  a.chars += chars;
  if (a.chars > a.limits.chars) throw exceeded(a, 'size');
  if ((++a.steps & 0x3ff) === 0 && Date.now() > a.deadline) throw exceeded(a, 'time');
}

/** Refuse to build a string or list of `n` items before allocating it. */
export function reserve(n: number): void {
  const a = active;
  if (a && a.chars + n > a.limits.chars) throw exceeded(a, 'size');
}
