import v8 from 'node:v8';

/**
 * V8's concurrent ArrayBuffer sweeper falls behind a server that streams: the
 * buffers of a relayed download stay counted as external memory after they are
 * dead, V8 answers with a mark-compact every 30-50 ms, and a 256 MB download costs
 * 7.5-11.8 ms of CPU per MB instead of 1.7-2.7 (after a large upload, in every
 * process measured). Sweeping them on the main thread keeps it at the lower figure
 * (BENCHMARKS.md, "download_vs_presigned_get"). Imported first by the server's entry
 * points; the flag is read at every sweep, so setting it at start-up takes effect.
 */
v8.setFlagsFromString('--no-concurrent-array-buffer-sweeping');
