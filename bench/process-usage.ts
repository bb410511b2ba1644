import { readFileSync, writeFileSync } from 'node:fs';

const SAMPLE_EVERY_MS = 20;

// /proc reports CPU time in clock ticks of USER_HZ, which Linux fixes at 100 for user space.
const TICK_MS = 10;

/** CPU time (user + system, all threads) another process has used so far, in milliseconds. */
export function cpuMsOf(pid: number): number {
  // The command name in parentheses may hold spaces: fields are counted after its closing parenthesis.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/** Resident set sizes of another process, in bytes, read from /proc/<pid>/status. */
export function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/**
 * The peak RSS of a process while `work` runs. VmHWM is reset first (writing 5 to
 * clear_refs, Linux 4.0+) so that it covers this window only; VmRSS is also
 * sampled, which is all there is where the reset is not allowed.
 */
export async function peakRssDuring(pid: number, work: () => Promise<void>): Promise<{ peak: number; before: number; hwmReset: boolean }> {
  let hwmReset = true;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    hwmReset = false;
  }
  const before = memoryOf(pid).rss;
  let sampled = before;
  const timer = setInterval(() => (sampled = Math.max(sampled, memoryOf(pid).rss)), SAMPLE_EVERY_MS);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  const after = memoryOf(pid);
  const peak = Math.max(sampled, after.rss, hwmReset ? after.peak : 0);
  return { peak, before, hwmReset };
}
