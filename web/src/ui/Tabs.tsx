// The page's views as an accessible tab list (arrow keys move between tabs), kept in the URL hash so a
// reload or a shared link opens the same view.
import { type KeyboardEvent, type ReactNode, useEffect, useState } from 'react';

export interface TabSpec<Id extends string> {
  id: Id;
  label: ReactNode;
}

function fromHash<Id extends string>(tabs: readonly TabSpec<Id>[]): Id {
  const wanted = location.hash.replace(/^#\/?/, '');
  return tabs.find((t) => t.id === wanted)?.id ?? (tabs[0] as TabSpec<Id>).id;
}

export function useHashTab<Id extends string>(tabs: readonly TabSpec<Id>[]): [Id, (id: Id) => void] {
  const [current, setCurrent] = useState<Id>(() => fromHash(tabs));
  useEffect(() => {
    const onHash = () => setCurrent(fromHash(tabs));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [tabs]);
  const select = (id: Id) => {
    history.replaceState(null, '', `#${id}`);
    setCurrent(id);
  };
  return [current, select];
}

export function TabList<Id extends string>(props: {
  tabs: readonly TabSpec<Id>[];
  current: Id;
  onSelect: (id: Id) => void;
  label: string;
}) {
  const { tabs, current, onSelect } = props;
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const index = tabs.findIndex((t) => t.id === current);
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    event.preventDefault();
    const next = tabs[(index + step + tabs.length) % tabs.length] as TabSpec<Id>;
    onSelect(next.id);
    document.getElementById(`tab-${next.id}`)?.focus();
  };
  return (
    <div className="tabs" role="tablist" aria-label={props.label} onKeyDown={onKeyDown}>
      {tabs.map((tab) => (
        <button
          key={tab.id}
          id={`tab-${tab.id}`}
          type="button"
          role="tab"
          aria-selected={tab.id === current}
          aria-controls={`panel-${tab.id}`}
          tabIndex={tab.id === current ? 0 : -1}
          onClick={() => onSelect(tab.id)}
        >
          {tab.label}
        </button>
      ))}
    </div>
  );
}

export function TabPanel({ id, current, children }: { id: string; current: string; children: ReactNode }) {
  // Hidden panels stay mounted so their live data keeps flowing and switching back is instant.
  return (
    <section id={`panel-${id}`} role="tabpanel" aria-labelledby={`tab-${id}`} hidden={id !== current}>
      {children}
    </section>
  );
}
