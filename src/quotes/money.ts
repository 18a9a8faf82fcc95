// How amounts of money are written in reasons and findings, which people read.

/** `$1,000,000` or `$1,234.5`: US dollars with thousands separators, fixed locale so output is deterministic. */
export function dollars(amount: number): string {
  return `$${amount.toLocaleString('en-US', { maximumFractionDigits: 2 })}`;
}
