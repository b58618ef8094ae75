// Percentile maths of the bench: interpolation between ranks, medians, ratios, growth.
import { growthExponent, median, percentile, ratio, summarizeLatencies } from "../../bench/stats";

describe("percentile", () => {
  it("interpolates linearly between the closest ranks (numpy's default)", () => {
    const values = [1, 2, 3, 4];
    expect(percentile(values, 0)).toBe(1);
    expect(percentile(values, 100)).toBe(4);
    expect(percentile(values, 50)).toBe(2.5);
    // rank 0.99 * 3 = 2.97: 3 + 0.97 * (4 - 3)
    expect(percentile(values, 99)).toBeCloseTo(3.97, 10);
    expect(percentile(values, 25)).toBeCloseTo(1.75, 10);
  });

  it("does not depend on the input order and does not reorder the input", () => {
    const values = [9, 1, 5, 3, 7];
    expect(percentile(values, 50)).toBe(5);
    expect(values).toEqual([9, 1, 5, 3, 7]);
  });

  it("p99 of 1..100 sits between the two largest values", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 99)).toBeCloseTo(99.01, 10);
  });

  it("refuses an empty sample and a percentile outside 0..100", () => {
    expect(() => percentile([], 50)).toThrow(/empty sample/);
    expect(() => percentile([1], 101)).toThrow(/outside 0..100/);
    expect(() => percentile([1], Number.NaN)).toThrow(/outside 0..100/);
  });

  it("a single value is every percentile", () => {
    expect(percentile([42], 0)).toBe(42);
    expect(percentile([42], 99)).toBe(42);
  });
});

describe("median and latency summaries", () => {
  it("median of an odd and an even sample", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it("summarizes count, p50, p99 and max", () => {
    const summary = summarizeLatencies([5, 1, 4, 2, 3]);
    expect(summary).toEqual({ count: 5, p50: 3, p99: percentile([1, 2, 3, 4, 5], 99), max: 5 });
  });
});

describe("ratio", () => {
  it("divides, and is null when the divisor is zero or a side is missing", () => {
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(3, 0)).toBeNull();
    expect(ratio(null, 2)).toBeNull();
    expect(ratio(3, undefined)).toBeNull();
  });
});

describe("growthExponent", () => {
  it("is 1 for linear, 2 for quadratic and 0 for constant cost", () => {
    const linear = [10, 100, 1000].map((n) => ({ n, value: 3 * n }));
    const quadratic = [10, 100, 1000].map((n) => ({ n, value: n * n }));
    const constant = [10, 100, 1000].map((n) => ({ n, value: 7 }));
    expect(growthExponent(linear)).toBeCloseTo(1, 10);
    expect(growthExponent(quadratic)).toBeCloseTo(2, 10);
    expect(growthExponent(constant)).toBeCloseTo(0, 10);
  });

  it("uses the smallest and largest n whatever the order", () => {
    expect(growthExponent([{ n: 1000, value: 1000 }, { n: 10, value: 10 }, { n: 100, value: 5000 }])).toBeCloseTo(1, 10);
  });

  it("is null when it cannot be computed", () => {
    expect(growthExponent([{ n: 10, value: 1 }])).toBeNull();
    expect(growthExponent([{ n: 10, value: 1 }, { n: 10, value: 2 }])).toBeNull();
    expect(growthExponent([{ n: 10, value: 0 }, { n: 100, value: 2 }])).toBeNull();
  });
});
