import type { BenchContext } from './bench-context';
import { peakRssDuring } from './process-usage';
import { median, MB, round } from './stats';
import { pngFile } from './test-files';
import { uploadThroughServer } from './transfers';

const SMALL = 10 * MB;
const GOAL = 1.3;

/**
 * rss_ratio_1g_vs_10m: the server's peak RSS during one large upload over its peak
 * during a 10 MB upload. Runs first, on a fresh server, so that memory left over
 * from other benchmarks does not hide what an upload costs.
 */
export async function measureMemory(bench: BenchContext): Promise<void> {
  const bigSize = bench.quick ? 256 * MB : 1024 * MB;
  const small = await pngFile(bench.scratch, SMALL);
  const big = await pngFile(bench.scratch, bigSize);
  const client = await bench.clientFor('bench-memory');
  const upload = async (file: string) => {
    const { value } = await uploadThroughServer(bench.server.url, client.token, file);
    return value.id;
  };

  // Warm-up: code paths compiled, pools and buffers at their working size.
  for (let i = 0; i < 3; i++) await client.hardDelete(await upload(small));

  const smallPeaks: number[] = [];
  for (let i = 0; i < 3; i++) {
    let id = '';
    const { peak } = await peakRssDuring(bench.server.pid, async () => void (id = await upload(small)));
    smallPeaks.push(peak);
    await client.hardDelete(id);
  }
  bench.note(`memory: ${bigSize / MB} MB upload`);
  let id = '';
  const { peak: bigPeak, before, hwmReset } = await peakRssDuring(bench.server.pid, async () => void (id = await upload(big)));
  await client.hardDelete(id);

  const value = round(bigPeak / median(smallPeaks));
  bench.results.rss_ratio_1g_vs_10m = {
    value,
    unit: 'ratio',
    goal: `<= ${GOAL}`,
    met: value <= GOAL,
    detail: {
      bigUploadMB: bigSize / MB,
      peakRssMB_10MB: smallPeaks.map((peak) => round(peak / MB, 1)),
      peakRssMB_big: round(bigPeak / MB, 1),
      rssBeforeBigMB: round(before / MB, 1),
      source: hwmReset ? 'VmHWM (reset per upload) and VmRSS samples' : 'VmRSS samples every 20 ms',
    },
  };
}
