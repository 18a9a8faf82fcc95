// Requests Node's HTTP parser refuses before any handler runs (oversized headers or URL, malformed request
// lines, header/request deadlines) get the same JSON error shape as GraphQL errors, instead of a bare status.
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

const STATUS_BY_CODE: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

const MESSAGE_BY_STATUS: Record<number, string> = {
  431: 'The request headers (or the URL) are too large; send the query in a POST body',
  408: 'The request took too long to arrive',
  400: 'The request is not valid HTTP',
};

export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // A reset connection, or one already answering, cannot take a response.
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = STATUS_BY_CODE[error.code ?? ''] ?? 400;
  const body = JSON.stringify({
    errors: [{ message: MESSAGE_BY_STATUS[status], extensions: { code: 'BAD_USER_INPUT', http: status } }],
  });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      'X-Content-Type-Options: nosniff\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
