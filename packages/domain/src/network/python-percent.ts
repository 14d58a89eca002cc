/**
 * Python's `f"{x:.0%}"`, which MAAS uses for usage_string and available_string: x × 100 as a
 * double, then rounded to an integer with ties to even (Python formats the exact binary value,
 * so only a product that is exactly n.5 is a tie: 0.125 → "12%", 0.375 → "38%").
 */
export function pythonPercent(x: number): string {
  const scaled = x * 100;
  const floor = Math.floor(scaled);
  const rest = scaled - floor;
  const rounded = rest > 0.5 ? floor + 1 : rest < 0.5 ? floor : floor % 2 === 0 ? floor : floor + 1;
  return `${rounded}%`;
}
