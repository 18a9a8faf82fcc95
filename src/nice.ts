// Lowering a whole process's CPU priority from inside it. On Linux a nice value belongs to each thread, and a
// process's threads (V8's GC helpers, libuv's pool, tsx's loader) exist before its first line of code runs, so
// every thread listed in /proc/self/task is lowered; threads started later inherit their creator's value.
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';

/** Sets every thread of this process to `nice` (0-19); returns false where the system refused. */
export function lowerProcessPriority(nice: number): boolean {
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    // Not Linux: there the value is the process's.
    try {
      setPriority(nice);
      return true;
    } catch {
      return false;
    }
  }
  let ok = true;
  for (const tid of tasks) {
    try {
      setPriority(Number(tid), nice);
    } catch {
      // A thread that ended meanwhile, or a value this user may not set.
      ok = false;
    }
  }
  return ok;
}
