// The messages this tab watches live: newest first, remembered for the session (a reload keeps them),
// with the version a mutation already returned so a card shows something at once.
import { createContext, type ReactNode, useCallback, useContext, useMemo, useRef, useState } from 'react';
import type { Message } from '../api/message-fields.js';

const STORAGE_KEY = 'quote-queue.watched';
const MAX_WATCHED = 50;

interface Watched {
  ids: string[];
  /** Adds (or moves to the top) a message; `initial` is shown until its live view arrives. */
  watch: (id: string, initial?: Message) => void;
  unwatch: (id: string) => void;
  clear: () => void;
  initialOf: (id: string) => Message | undefined;
}

const WatchedContext = createContext<Watched | null>(null);

function load(): string[] {
  try {
    const parsed: unknown = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

function store(ids: string[]): void {
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(ids));
  } catch {
    // Storage may be disabled: the list then lasts as long as the page.
  }
}

export function WatchedProvider({ children }: { children: ReactNode }) {
  const [ids, setIds] = useState(load);
  const initials = useRef(new Map<string, Message>());

  const update = useCallback((change: (ids: string[]) => string[]) => {
    setIds((current) => {
      const next = change(current);
      store(next);
      return next;
    });
  }, []);

  const value = useMemo<Watched>(
    () => ({
      ids,
      watch: (id, initial) => {
        if (initial) initials.current.set(id, initial);
        update((current) => [id, ...current.filter((x) => x !== id)].slice(0, MAX_WATCHED));
      },
      unwatch: (id) => {
        initials.current.delete(id);
        update((current) => current.filter((x) => x !== id));
      },
      clear: () => {
        initials.current.clear();
        update(() => []);
      },
      initialOf: (id) => initials.current.get(id),
    }),
    [ids, update],
  );

  return <WatchedContext.Provider value={value}>{children}</WatchedContext.Provider>;
}

export function useWatched(): Watched {
  const value = useContext(WatchedContext);
  if (!value) throw new Error('useWatched must be used inside <WatchedProvider>');
  return value;
}
