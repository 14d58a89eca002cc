import { describe, expect, it } from 'vitest';
import { pythonPercent } from './python-percent.js';

describe(pythonPercent, () => {
  // Expected values from CPython's f"{x:.0%}".
  it.each([
    [22 / 254, '9%'],
    [0, '0%'],
    [1, '100%'],
    [1 / 3, '33%'],
    [2 / 3, '67%'],
    [0.005, '0%'],
    [0.015, '2%'],
    [0.025, '2%'],
    [0.045, '4%'],
    [0.125, '12%'],
    [0.375, '38%'],
    [0.625, '62%'],
    [0.995, '100%'],
    [2 ** -64, '0%'],
  ])('writes %d as %s', (x, text) => {
    expect(pythonPercent(x)).toBe(text);
  });
});
