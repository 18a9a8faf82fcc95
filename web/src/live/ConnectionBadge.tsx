// Shows how live updates travel right now, so nobody wonders whether the page is current.
import { useLinkState } from './LiveProvider.js';

const WORDS = {
  ws: 'Live over WebSocket',
  sse: 'Live over Server-Sent Events',
  poll: 'Updating every 3 s (polling)',
} as const;

export function ConnectionBadge() {
  const { mode, online } = useLinkState();
  const label = online ? WORDS[mode] : 'Service unreachable: retrying';
  return (
    <output
      className={`connection ${online ? mode : 'offline'}`}
      data-mode={online ? mode : 'offline'}
      aria-live="polite"
    >
      <span className="dot" aria-hidden="true" />
      {label}
    </output>
  );
}
