// How amounts of money are written in reasons and findings, which people read.

// Built once: `toLocaleString` with options builds a formatter on every call, the costliest part of a reason.
const US_DOLLARS = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** `$1,000,000` or `$1,234.5`: US dollars with thousands separators, fixed locale so output is deterministic. */
export function dollars(amount: number): string {
  return `$${Number.isSafeInteger(amount) ? groupThousands(amount) : US_DOLLARS.format(amount)}`;
}

/** A whole number as en-US writes it, `-1,234,567`: most amounts are whole, and this is cheaper than Intl's. */
function groupThousands(whole: number): string {
  const digits = String(Math.abs(whole));
  let out = digits.slice(0, ((digits.length - 1) % 3) + 1);
  for (let i = out.length; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
  return whole < 0 || Object.is(whole, -0) ? `-${out}` : out;
}
