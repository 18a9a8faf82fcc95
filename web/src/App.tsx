// The page: header (connection state, API key), three views (quotes, queue, review) with live counts.
import { fromGraphQLError } from './api/errors.js';
import { ApiKeyField } from './auth/ApiKeyField.js';
import { useApiKey } from './auth/api-key.js';
import { BatchUpload } from './batch/BatchUpload.js';
import { ConnectionBadge } from './live/ConnectionBadge.js';
import { LiveProvider } from './live/LiveProvider.js';
import { StatsProvider, useStats } from './live/StatsProvider.js';
import { WatchList } from './message/WatchList.js';
import { WatchedProvider } from './message/watched.js';
import { Dashboard } from './queue/Dashboard.js';
import { QuoteForm } from './quote/QuoteForm.js';
import { ReviewConsole } from './review/ReviewConsole.js';
import { ErrorNote } from './ui/ErrorNote.js';
import { TabList, TabPanel, type TabSpec, useHashTab } from './ui/Tabs.js';

type View = 'quotes' | 'queue' | 'review';

export function App() {
  const [apiKey, setApiKey] = useApiKey();
  return (
    <LiveProvider apiKey={apiKey} key={apiKey}>
      <StatsProvider>
        <WatchedProvider>
          <header className="top">
            <h1>Quote queue</h1>
            <ConnectionBadge />
            <ApiKeyField apiKey={apiKey} onChange={setApiKey} />
          </header>
          <Views />
        </WatchedProvider>
      </StatsProvider>
    </LiveProvider>
  );
}

const TAB_IDS: readonly TabSpec<View>[] = [
  { id: 'quotes', label: 'Quotes' },
  { id: 'queue', label: 'Queue' },
  { id: 'review', label: 'Review' },
];

function Views() {
  const [current, select] = useHashTab(TAB_IDS);
  const { stats, error } = useStats();
  // The stats stream is the page's canary: a refused key or a broken service shows here, in words.
  const refused = error && error.extensions?.code !== 'NETWORK' ? fromGraphQLError(error) : null;
  const tabs: TabSpec<View>[] = [
    { id: 'quotes', label: 'Quotes' },
    {
      id: 'queue',
      label: (
        <>
          Queue
          {stats ? (
            <span className="count" data-count="depth">
              {stats.pendingCount + stats.processingCount}
            </span>
          ) : null}
        </>
      ),
    },
    {
      id: 'review',
      label: (
        <>
          Review
          {stats?.reviewPendingCount ? (
            <span className="count warn" data-count="review">
              {stats.reviewPendingCount}
            </span>
          ) : null}
        </>
      ),
    },
  ];
  return (
    <main>
      <TabList tabs={tabs} current={current} onSelect={select} label="Views" />
      {refused ? <ErrorNote error={refused} /> : null}
      <TabPanel id="quotes" current={current}>
        <div className="quotes-layout">
          <div className="stack">
            <QuoteForm />
            <BatchUpload />
          </div>
          <WatchList />
        </div>
      </TabPanel>
      <TabPanel id="queue" current={current}>
        <Dashboard />
      </TabPanel>
      <TabPanel id="review" current={current}>
        <ReviewConsole />
      </TabPanel>
    </main>
  );
}
