// Percentiles over latency samples in microseconds.
export function percentile(sortedUs: Float64Array, p: number): number {
  if (sortedUs.length === 0) return NaN;
  const i = Math.min(sortedUs.length - 1, Math.max(0, Math.ceil((p / 100) * sortedUs.length) - 1));
  return sortedUs[i]!;
}

export function summarise(samplesUs: Float64Array): { p50: number; p99: number } {
  const s = Float64Array.from(samplesUs).sort();
  return { p50: round(percentile(s, 50)), p99: round(percentile(s, 99)) };
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
