// The watched messages as live cards, newest first.
import { MessageCard } from './MessageCard.js';
import { useWatched } from './watched.js';

export function WatchList() {
  const { ids, unwatch, clear, initialOf } = useWatched();
  return (
    <section aria-labelledby="watch-title" className="watch-list">
      <div className="card-title-row">
        <h2 id="watch-title">Live quotes</h2>
        {ids.length > 0 ? (
          <button type="button" className="secondary small" onClick={clear}>
            Clear all
          </button>
        ) : null}
      </div>
      {ids.length === 0 ? (
        <p className="muted card">
          Quotes you send, or choose to watch from the queue, appear here and update live.
        </p>
      ) : null}
      {ids.map((id) => (
        <MessageCard key={id} id={id} initial={initialOf(id)} onClose={() => unwatch(id)} />
      ))}
    </section>
  );
}
