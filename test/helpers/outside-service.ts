// A fake outside service for the workflow tests, outside the product: the deterministic provider, with every call
// it gets listed by step, and the first `failPricing` pricing calls failing as an outage would.
import { deterministicProvider } from '../../src/quotes/deterministic-provider.js';
import type { StepName, UnderwritingProvider } from '../../src/quotes/provider.js';

export function countingProvider(failPricing = 0): { provider: UnderwritingProvider; calls: StepName[] } {
  const calls: StepName[] = [];
  let failures = failPricing;
  const count =
    <A extends unknown[], R>(name: StepName, f: (...args: A) => R) =>
    (...args: A): R => {
      calls.push(name);
      return f(...args);
    };
  const p = deterministicProvider;
  const provider: UnderwritingProvider = {
    intake: count('intake', p.intake),
    assessRisk: count('risk-assessment', p.assessRisk),
    price: count('pricing', (input, signal) =>
      failures-- > 0 ? Promise.reject(new Error('rating service unavailable')) : p.price(input, signal),
    ),
    checkCompliance: count('compliance', p.checkCompliance),
    decide: count('decision', p.decide),
  };
  return { provider, calls };
}
