// Writes graphql-ws frames to one WebSocket. Shared `next` frames (a payload serialised once, an id per
// subscription) are framed here and every such frame of one turn of the event loop leaves in one write (one
// syscall for a socket carrying many subscriptions); other frames go through ws, corked for the same turn.
// Writers are told when the socket's queue in this process is too long to take more, and when it drained.
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

export interface FrameWriter {
  /** Whether the socket can still carry frames. */
  readonly open: boolean;
  /** More than the limit waits in this process for the socket: write no more until it drains. */
  readonly backedUp: boolean;
  /**
   * Queues the text frame `head + payload + '}'` for the end of this turn; with `headLength`, only that many
   * bytes of `head` (a prefix of a buffer the caller keeps, without a view allocated per frame).
   */
  frame(head: Buffer, payload: Buffer, headLength?: number): void;
  /** Writes one frame (a serialised graphql-ws message); `sent` once it reached the kernel or failed. */
  write(frame: string, sent?: (error?: Error) => void): void;
  /** Calls `listener` once the socket's queue has drained; never if the socket closes first. */
  whenDrained(listener: () => void): void;
}

/** Bytes queued for one socket before writers stop and wait for it to drain. */
export const DEFAULT_BACKLOG_BYTES = 256 * 1024;

const CLOSE_BRACE = 0x7d;
/** WebSocket frame byte 0: FIN and the text opcode (RFC 6455 5.2); server frames are not masked. */
const FIN_TEXT = 0x81;

/** Something to do once the current turn is over; a nextTick runs after every promise job of the turn. */
const pending: (() => void)[] = [];
let flushScheduled = false;

function afterTurn(flush: () => void): void {
  pending.push(flush);
  if (flushScheduled) return;
  flushScheduled = true;
  process.nextTick(() => {
    flushScheduled = false;
    flushTurn();
  });
}

/**
 * Runs the end-of-turn flushes now. A fan-out that runs inside a promise job calls it when done: its
 * nextTick would otherwise wait behind every promise job it started (the completions of 10,000 ended
 * subscriptions), and each socket's values would leave only when its first completion flushed them.
 */
export function flushTurn(): void {
  // Flushes may queue more (a write after a frame): take them in order until none is left.
  for (let i = 0; i < pending.length; i++) pending[i]!();
  pending.length = 0;
}

export function createFrameWriter(
  ws: WebSocket,
  socket: Socket,
  backlogBytes = DEFAULT_BACKLOG_BYTES,
): FrameWriter {
  let heads: Buffer[] = [];
  let headLengths: number[] = [];
  let payloads: Buffer[] = [];
  let queuedBytes = 0;
  let corked = false;
  let waiting: (() => void)[] = [];
  let listening = false;
  const isOpen = () => ws.readyState === ws.OPEN;

  /** Writes the queued frames as one buffer, each with its header. */
  const flushFrames = () => {
    if (heads.length === 0) return;
    const size = queuedBytes;
    const h = heads;
    const hl = headLengths;
    const p = payloads;
    heads = [];
    headLengths = [];
    payloads = [];
    queuedBytes = 0;
    if (!isOpen()) return;
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    for (let i = 0; i < h.length; i++) {
      const head = h[i]!;
      const headLength = hl[i]!;
      const payload = p[i]!;
      const length = headLength + payload.length + 1;
      out[at++] = FIN_TEXT;
      if (length < 126) out[at++] = length;
      else if (length < 65536) {
        out[at++] = 126;
        at = out.writeUInt16BE(length, at);
      } else {
        out[at++] = 127;
        at = out.writeBigUInt64BE(BigInt(length), at);
      }
      // TypedArray#set and a short loop stay in JavaScript; Buffer#copy crosses into C++ for each small piece.
      if (headLength === head.length) out.set(head, at);
      else for (let j = 0; j < headLength; j++) out[at + j] = head[j]!;
      at += headLength;
      out.set(payload, at);
      at += payload.length;
      out[at++] = CLOSE_BRACE;
    }
    socket.write(out);
  };

  const uncork = () => {
    corked = false;
    socket.uncork();
  };

  const drained = () => {
    listening = false;
    const ready = waiting;
    waiting = [];
    for (const listener of ready) listener();
  };
  ws.once('close', () => {
    waiting = [];
    socket.off('drain', drained);
  });

  return {
    get open() {
      return isOpen();
    },
    get backedUp() {
      return socket.writableLength + queuedBytes > backlogBytes;
    },
    frame(head, payload, headLength = head.length) {
      if (!isOpen()) return;
      if (heads.length === 0) afterTurn(flushFrames);
      heads.push(head);
      headLengths.push(headLength);
      payloads.push(payload);
      const length = headLength + payload.length + 1;
      queuedBytes += length + (length < 126 ? 2 : length < 65536 ? 4 : 10);
    },
    write(frame, sent) {
      if (!isOpen()) {
        sent?.();
        return;
      }
      // Frames queued earlier go first: a subscription's `complete` never overtakes its last value.
      flushFrames();
      if (!corked) {
        corked = true;
        socket.cork();
        afterTurn(uncork);
      }
      ws.send(frame, sent);
    },
    whenDrained(listener) {
      if (!isOpen()) return;
      waiting.push(listener);
      if (listening) return;
      listening = true;
      // Past the limit (far above the stream's high-water mark) every write has asked for a drain event.
      if (socket.writableNeedDrain) socket.once('drain', drained);
      else afterTurn(drained);
    },
  };
}
