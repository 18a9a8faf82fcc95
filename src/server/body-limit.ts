// The request body cap (MAX_BODY_BYTES), in place of yoga's own `maxRequestBodySize`. Yoga pipes every body
// through a TransformStream to count it, which cost about as much as the rest of a small request; here a body
// with a Content-Length is judged by that header alone and only a chunked body (no length) is counted.
import type { ServerResponse } from 'node:http';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

/**
 * Envelop plugin refusing bodies over `maxBytes` with 413, as yoga's does. It trusts Content-Length because
 * yoga here is only reached through node:http, whose parser reads exactly that many bytes as the body (a
 * request with both Content-Length and Transfer-Encoding is refused before it gets here).
 */
export function bodyLimitPlugin(maxBytes: number): Plugin<object, { res?: ServerResponse }> {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI, serverContext }) {
      const length = request.headers.get('content-length');
      if (length !== null) {
        if (!/^\d+$/.test(length)) throw invalidLength();
        if (Number(length) > maxBytes) throw tooLarge();
        return;
      }
      if (requestParser == null || request.body == null) return;
      // Both the native and whatwg-node's ReadableStream are async iterable, and whatwg-node's Request takes
      // an async iterable body; the DOM types know neither.
      const body = request.body as unknown as AsyncIterable<Uint8Array>;
      const parse = requestParser;
      setRequestParser((req) => {
        // Over the cap, the rest is not read: the connection closes after the 413.
        const chunks = capped(body, maxBytes, () => serverContext.res?.setHeader('connection', 'close'));
        const init = {
          method: req.method,
          headers: req.headers,
          signal: req.signal,
          body: chunks as unknown as BodyInit,
          duplex: 'half',
        };
        return parse(new fetchAPI.Request(req.url, init as RequestInit));
      });
    },
  };
}

/**
 * The chunks of `body`, failing with 413 as soon as more than `maxBytes` have arrived. Not `for await`: leaving
 * that loop would destroy the request stream, and with it the socket before the 413 is written.
 */
async function* capped(
  body: AsyncIterable<Uint8Array>,
  maxBytes: number,
  onOver: () => void,
): AsyncGenerator<Uint8Array> {
  const chunks = body[Symbol.asyncIterator]();
  let read = 0;
  for (;;) {
    const next = await chunks.next();
    if (next.done) return;
    read += next.value.byteLength;
    if (read > maxBytes) {
      onOver();
      throw tooLarge();
    }
    yield next.value;
  }
}

function tooLarge() {
  return createGraphQLError('Request body too large', {
    extensions: { http: { status: 413 }, code: 'REQUEST_ENTITY_TOO_LARGE' },
  });
}

function invalidLength() {
  return createGraphQLError('Content-Length header is invalid.', {
    extensions: { http: { status: 400 }, code: 'BAD_REQUEST' },
  });
}
