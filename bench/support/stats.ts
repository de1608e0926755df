/** Summary of repeated measurements, in the unit of the samples. */
export interface Summary {
  /** Number of samples. */
  n: number;
  /** Median. */
  median: number;
  /** Smallest sample. */
  min: number;
  /** Largest sample. */
  max: number;
  /** First quartile (linear interpolation). */
  q1: number;
  /** Third quartile (linear interpolation). */
  q3: number;
  /** Every sample, in measurement order. */
  samples: number[];
}

function quantile(sorted: number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

/** Median, min/max and quartiles of the samples (at least one), rounded to 0.1. */
export function summarize(samples: number[]): Summary {
  if (samples.length === 0) throw new Error("summarize: no samples");
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    n: samples.length,
    median: round(quantile(sorted, 0.5)),
    min: round(sorted[0]),
    max: round(sorted[sorted.length - 1]),
    q1: round(quantile(sorted, 0.25)),
    q3: round(quantile(sorted, 0.75)),
    samples: samples.map(round),
  };
}

/** `a / b` rounded to 0.01 (the ratio of two medians). */
export function ratio(a: number, b: number): number {
  return Math.round((a / b) * 100) / 100;
}

/** "median (min-max)" for a table cell, in whole units. */
export function spread(summary: Summary): string {
  return `${summary.median.toFixed(0)} (${summary.min.toFixed(0)}-${summary.max.toFixed(0)})`;
}
