// The quote's outcome: decision, annual premium and how it was built (base premium × each factor).
import type { Message } from '../api/message-fields.js';
import { formatMoney, humanize } from '../ui/format.js';
import { DecisionBadge } from './StatusBadge.js';

type Result = NonNullable<Message['result']>;

export function Premium({ result }: { result: Result }) {
  return (
    <div className="premium">
      <div className="premium-head">
        <DecisionBadge decision={result.decision} />
        <span className="amount" data-premium>
          {result.annualPremium === null
            ? 'No premium (declined)'
            : `${formatMoney(result.annualPremium)} a year`}
        </span>
      </div>
      {result.reasons.length > 0 ? (
        <ul className="reasons">
          {result.reasons.map((reason) => (
            <li key={reason}>{reason}</li>
          ))}
        </ul>
      ) : null}
      {result.factors.length > 0 ? <FactorTable result={result} /> : null}
    </div>
  );
}

function FactorTable({ result }: { result: Result }) {
  return (
    <table className="factors">
      <caption>How the premium is built</caption>
      <thead>
        <tr>
          <th scope="col">Factor</th>
          <th scope="col" className="num">
            ×
          </th>
          <th scope="col">Why</th>
        </tr>
      </thead>
      <tbody>
        {result.basePremium !== null ? (
          <tr>
            <th scope="row">Base premium</th>
            <td className="num">{formatMoney(result.basePremium)}</td>
            <td>$3.50 per $1,000 of coverage</td>
          </tr>
        ) : null}
        {result.factors.map((factor) => (
          <tr key={factor.name} className={factor.value > 1 ? 'up' : factor.value < 1 ? 'down' : undefined}>
            <th scope="row">{humanize(factor.name)}</th>
            <td className="num">{factor.value.toFixed(2)}</td>
            <td>{factor.reason}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
