/** Sums of a Prometheus histogram's `_sum` and `_count` over all label sets, read from /metrics. */
export type HistogramTotals = Map<string, { sum: number; count: number }>;

export async function readHistograms(url: string, names: readonly string[]): Promise<HistogramTotals> {
  const totals: HistogramTotals = new Map(names.map((name) => [name, { sum: 0, count: 0 }]));
  const text = await fetch(url).then((response) => response.text());
  for (const line of text.split("\n")) {
    const match = /^([a-z_]+)_(sum|count)(?:\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    const total = match ? totals.get(match[1] ?? "") : undefined;
    if (!match || !total) continue;
    if (match[2] === "sum") total.sum += Number(match[3]);
    else total.count += Number(match[3]);
  }
  return totals;
}

/** Mean of each histogram between two readings (NaN when nothing was observed). */
export function meansBetween(before: HistogramTotals, after: HistogramTotals): Map<string, number> {
  const means = new Map<string, number>();
  for (const [name, total] of after) {
    const earlier = before.get(name) ?? { sum: 0, count: 0 };
    means.set(name, (total.sum - earlier.sum) / (total.count - earlier.count));
  }
  return means;
}
