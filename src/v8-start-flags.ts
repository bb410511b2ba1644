/**
 * V8 flags for the command line of the server's `node` (the Dockerfile's CMD, and
 * the bench's server), for the runtimes that know them.
 *
 * On Node 24 (V8 13.6) a server relaying a download ran a mark-compact every few
 * milliseconds (146 in 3 × 512 MB, "GC in old space requested", with the heap at
 * 50 MB) and served 216-263 MB/s at 5.5-6.7 ms of CPU per MB; with external memory
 * (the buffers of the relayed bytes) counted in V8's global limit instead of a
 * limit of its own: 542-596 MB/s at 1.6 ms per MB, and 2 mark-compacts
 * (BENCHMARKS.md, "Downloads on Node 24"). Set at run time instead, by
 * `v8.setFlagsFromString`, it made things worse; Node 20 and 22 do not have it
 * (and `node` refuses a flag it does not know), hence the version.
 */
export function v8StartFlags(v8Version: string = process.versions.v8): string[] {
  const [major, minor] = v8Version.split('.').map(Number);
  return major > 13 || (major === 13 && minor >= 6) ? ['--external-memory-accounted-in-global-limit'] : [];
}
