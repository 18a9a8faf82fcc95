// GET operations (and any request a browser sends cross-site without a preflight) must carry a header that
// no plain <img>, <a> or form can set, through yoga's CSRF-prevention plugin. Authorization counts: a page
// cannot add it without a preflight, which this service never grants (no CORS). POST with JSON passes as it is.
// Renamed: biome reads a `use...` call as a React hook.
import { useCSRFPrevention as csrfPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import type { Plugin } from 'graphql-yoga';
import { codedError } from '../schema/errors.js';

/** The header the web page and the examples send; any value. */
export const CSRF_HEADER = 'x-graphql-yoga-csrf';

export function csrfPlugin(): Plugin {
  const inner = csrfPrevention({ requestHeaders: [CSRF_HEADER, 'authorization'] });
  return {
    onRequestParse(payload) {
      try {
        return inner.onRequestParse?.(payload);
      } catch {
        // The library's words do not say which header; these do.
        throw codedError(
          `A GET operation needs the header "${CSRF_HEADER}: 1" (or an Authorization header), so that no other site's page can send it; or POST it as JSON`,
          'BAD_USER_INPUT',
          { http: { status: 403 } },
        );
      }
    },
  };
}
