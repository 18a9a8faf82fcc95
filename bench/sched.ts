// How long this process's main thread has waited for a CPU while runnable (Linux schedstat), in microseconds; null
// elsewhere. A run on a shared machine whose processes mostly wait for a CPU measures the machine, not the code.
import { readFileSync } from 'node:fs';

export function runQueueWaitMicros(): number | null {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ');
    return Number(fields[1]) / 1000;
  } catch {
    return null;
  }
}
