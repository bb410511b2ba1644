/**
 * V8 flags for the command line of the server's `node` (the Dockerfile's CMD,
 * `npm start`, the bench's server), for the runtimes that need them. V8 reads them
 * when it sizes the heap, so they cannot be set at run time (`v8.setFlagsFromString`
 * was tried: no effect), nor through NODE_OPTIONS (which refuses the first).
 *
 * V8 13.6 (Node 24) raised the young generation's default capacity from 8 to 32 MB,
 * and with it the amount of young ArrayBuffer memory (a relayed upload's or
 * download's buffers) that triggers a cheap scavenge: from 32 MB to 128 MB, above
 * the 64 MB of external memory at which V8 starts a full mark-compact instead
 * (nodejs/node#61967). The bench's transfers ran about 400 mark-compacts; with the
 * capacity back at 8, 24-77, and downloads streamed at 2-3 times the speed. The
 * capacity at 8 also shrinks the young generation, which made small requests cost
 * a quarter more; the semi-space at 64 MB gives it back its Node 24 size (179
 * mark-compacts, downloads as fast, requests as cheap as without flags).
 * BENCHMARKS.md, "Transfers on Node 24". Older V8s refuse the first flag.
 */
export function v8StartFlags(v8Version: string = process.versions.v8): string[] {
  const [major, minor] = v8Version.split('.').map(Number);
  const needed = major > 13 || (major === 13 && minor >= 6);
  return needed ? ['--scavenger-max-new-space-capacity-mb=8', '--max-semi-space-size=64'] : [];
}

/** The flags this process was started without, for a warning at start-up. */
export function missingV8StartFlags(execArgv: string[] = process.execArgv): string[] {
  return v8StartFlags().filter((flag) => !execArgv.includes(flag));
}

// `node dist/src/v8-start-flags.js` prints them, for `npm start`'s command line.
if (require.main === module) console.log(v8StartFlags().join(' '));
