// The API key: kept in sessionStorage (gone when the tab closes; never in localStorage or a cookie) and
// turned into the two forms the service reads: an HTTP header and the WebSocket connectionParams.
import { useCallback, useState } from 'react';

const STORAGE_KEY = 'quote-queue.apiKey';

function read(): string {
  try {
    return sessionStorage.getItem(STORAGE_KEY) ?? '';
  } catch {
    return '';
  }
}

/** The key and a setter that stores it; an empty key means open mode (no header sent). */
export function useApiKey(): [string, (key: string) => void] {
  const [key, setKey] = useState(read);
  const save = useCallback((next: string) => {
    const trimmed = next.trim();
    try {
      if (trimmed) sessionStorage.setItem(STORAGE_KEY, trimmed);
      else sessionStorage.removeItem(STORAGE_KEY);
    } catch {
      // Storage can be disabled (private modes): the key then lives only as long as the page.
    }
    setKey(trimmed);
  }, []);
  return [key, save];
}

/**
 * Headers for HTTP and SSE requests: the key, and the header the service asks of GET operations (urql sends
 * queries by GET) so that no other site's page can send them.
 */
export function authHeaders(key: string): Record<string, string> {
  return { 'x-graphql-yoga-csrf': '1', ...(key ? { authorization: `Bearer ${key}` } : {}) };
}
