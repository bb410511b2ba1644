import { writeFileSync } from 'node:fs';
import { median, round } from './stats';

/** One line of bench-results.json. `detail` holds the figures behind the value (runs, plans). */
export interface Metric {
  value: number;
  unit: string;
  goal: string;
  met: boolean;
  detail?: Record<string, unknown>;
}

export type Results = Record<string, Metric>;

/**
 * A goal on interleaved rounds: the median of the per-round ratios `over[r] / under[r]`
 * must be at least `goal`. The ratios join the figures in `detail`.
 */
export function ratioOfRounds(over: readonly number[], under: readonly number[], goal: number, detail: Record<string, unknown>): Metric {
  const ratios = over.map((value, r) => value / under[r]);
  const value = round(median(ratios));
  return { value, unit: 'ratio', goal: `>= ${goal}`, met: value >= goal, detail: { ...detail, ratios: ratios.map((ratio) => round(ratio, 3)) } };
}

export function printTable(results: Results): void {
  const rows = Object.entries(results).map(([name, metric]) => [
    name,
    Number.isFinite(metric.value) ? String(metric.value) : 'failed',
    metric.unit,
    metric.goal,
    metric.met ? 'yes' : 'NO',
  ]);
  const header = ['metric', 'value', 'unit', 'goal', 'met'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column])).join('  ');
  console.log(line(header));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of rows) console.log(line(row));
}

export function writeResults(file: string, results: Results): void {
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}
