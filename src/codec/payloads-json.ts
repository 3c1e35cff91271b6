/**
 * Payloads in proto3 JSON (bytes as base64), the body of Temporal's codec-server protocol (temporalio/samples-go
 * codec-server/protocol.md): `{ "payloads": [{ "metadata": { "encoding": "<base64>" }, "data": "<base64>" }] }`.
 */
import type { Payload } from '@temporalio/common';
import proto from '@temporalio/proto';
import { z } from 'zod';

// @temporalio/proto is CommonJS: Node's ESM loader gives it as the default export only.
const PayloadProto = proto.temporal.api.common.v1.Payload;

const base64 = z.string().regex(/^[A-Za-z0-9+/\-_]*={0,2}$/, 'must be base64');
const payloadsBody = z.object({
  payloads: z.array(z.looseObject({ metadata: z.record(z.string(), base64).optional(), data: base64.optional() })),
});

/** The payloads of a request body; throws a message naming every bad field. */
export function payloadsFromJson(body: unknown): Payload[] {
  const parsed = payloadsBody.safeParse(body);
  if (!parsed.success) {
    throw new TypeError(parsed.error.issues.map((issue) => `${['body', ...issue.path].join('.')}: Invalid value: ${issue.message}`).join(', '));
  }
  // protobufjs reads base64 strings into bytes fields (and camelCase names, as proto3 JSON has them).
  return parsed.data.payloads.map((payload) => PayloadProto.fromObject(payload));
}

export function payloadsToJson(payloads: readonly Payload[]): { payloads: Record<string, unknown>[] } {
  return { payloads: payloads.map((payload) => PayloadProto.toObject(PayloadProto.fromObject(payload), { bytes: String })) };
}
