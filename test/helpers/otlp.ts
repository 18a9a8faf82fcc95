// The spans of an OTLP/HTTP trace export request, decoded from either encoding the service sends: JSON
// (application/json) or protobuf (application/x-protobuf, read here field by field after opentelemetry-proto's
// trace.proto and common.proto, so a test needs no generated code).

export interface ExportedSpan {
  /** The resource's `service.name`. */
  service: string;
  name: string;
  /** Lower-case hex, as in a traceparent. */
  traceId: string;
  attributes: Record<string, unknown>;
}

export function decodeTraceRequest(body: Buffer, contentType: string | undefined): ExportedSpan[] {
  if (contentType?.startsWith('application/x-protobuf')) return decodeProtobuf(body);
  if (contentType?.startsWith('application/json')) return decodeJson(body.toString('utf8'));
  throw new Error(`not an OTLP/HTTP trace export: content-type ${contentType}`);
}

/** What a receiver answers: an empty ExportTraceServiceResponse in the request's encoding. */
export function emptyResponse(contentType: string | undefined): { type: string; body: string } {
  return contentType?.startsWith('application/x-protobuf')
    ? { type: 'application/x-protobuf', body: '' }
    : { type: 'application/json', body: '{}' };
}

interface JsonRequest {
  resourceSpans: {
    resource: { attributes: { key: string; value: Record<string, unknown> }[] };
    scopeSpans: {
      spans: {
        name: string;
        traceId: string;
        attributes: { key: string; value: Record<string, unknown> }[];
      }[];
    }[];
  }[];
}

function decodeJson(text: string): ExportedSpan[] {
  const spans: ExportedSpan[] = [];
  for (const rs of (JSON.parse(text) as JsonRequest).resourceSpans) {
    const resource = Object.fromEntries(
      rs.resource.attributes.map((a) => [a.key, Object.values(a.value)[0]]),
    );
    for (const ss of rs.scopeSpans)
      for (const s of ss.spans)
        spans.push({
          service: String(resource['service.name'] ?? ''),
          name: s.name,
          traceId: s.traceId,
          attributes: Object.fromEntries(s.attributes.map((a) => [a.key, Object.values(a.value)[0]])),
        });
  }
  return spans;
}

// ExportTraceServiceRequest: 1 resource_spans. ResourceSpans: 1 resource, 2 scope_spans. Resource: 1 attributes.
// ScopeSpans: 2 spans. Span: 1 trace_id, 5 name, 9 attributes. KeyValue: 1 key, 2 value. AnyValue: 1 string,
// 2 bool, 3 int64, 4 double.
function decodeProtobuf(body: Uint8Array): ExportedSpan[] {
  const spans: ExportedSpan[] = [];
  for (const rs of fieldsOf(body, 1)) {
    const resource = Object.fromEntries(fieldsOf(fieldsOf(rs, 1)[0] ?? new Uint8Array(), 1).map(keyValue));
    for (const ss of fieldsOf(rs, 2))
      for (const s of fieldsOf(ss, 2)) {
        const fields = read(s);
        spans.push({
          service: String(resource['service.name'] ?? ''),
          name: text(bytesOf(fields, 5)),
          traceId: Buffer.from(bytesOf(fields, 1)).toString('hex'),
          attributes: Object.fromEntries(
            fields.filter((f) => f.field === 9).map((f) => keyValue(f.value as Uint8Array)),
          ),
        });
      }
  }
  return spans;
}

function keyValue(kv: Uint8Array): [string, unknown] {
  const fields = read(kv);
  const value = read(bytesOf(fields, 2))[0];
  if (!value) return [text(bytesOf(fields, 1)), undefined];
  const v = value.value;
  const decoded =
    value.field === 1
      ? text(v as Uint8Array)
      : value.field === 2
        ? v !== 0n
        : value.field === 3
          ? Number(BigInt.asIntN(64, v as bigint))
          : value.field === 4
            ? Buffer.from(v as Uint8Array).readDoubleLE(0)
            : v;
  return [text(bytesOf(fields, 1)), decoded];
}

interface Field {
  field: number;
  /** A varint as a bigint; the bytes of every other wire type. */
  value: bigint | Uint8Array;
}

/** The length-delimited fields numbered `n`, in order (repeated fields and embedded messages). */
function fieldsOf(message: Uint8Array, n: number): Uint8Array[] {
  return read(message)
    .filter((f) => f.field === n)
    .map((f) => f.value as Uint8Array);
}

function bytesOf(fields: Field[], n: number): Uint8Array {
  const f = fields.findLast((x) => x.field === n);
  return f ? (f.value as Uint8Array) : new Uint8Array();
}

const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');

/** The fields of one message, by the protobuf wire format (varint, 64-bit, length-delimited, 32-bit). */
function read(buf: Uint8Array): Field[] {
  const fields: Field[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (pos >= buf.length) throw new Error('protobuf: truncated varint');
      const b = buf[pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
    }
  };
  const take = (length: number): Uint8Array => {
    if (pos + length > buf.length) throw new Error('protobuf: truncated field');
    const out = buf.subarray(pos, pos + length);
    pos += length;
    return out;
  };
  while (pos < buf.length) {
    const tag = Number(varint());
    const wire = tag & 7;
    const field = tag >>> 3;
    if (wire === 0) fields.push({ field, value: varint() });
    else if (wire === 1) fields.push({ field, value: take(8) });
    else if (wire === 2) fields.push({ field, value: take(Number(varint())) });
    else if (wire === 5) fields.push({ field, value: take(4) });
    else throw new Error(`protobuf: wire type ${wire} (field ${field})`);
  }
  return fields;
}
