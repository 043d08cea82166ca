import type { Payload } from '@temporalio/common';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  PayloadDecryptionError,
  type PayloadEncryptionCodec,
  UnknownPayloadKeyError,
} from '../../payload-codec';
import { principalOf, requireRole } from '../auth';
import { ApiError } from '../errors';

/**
 * The codec server of the Temporal UI ("Codec Server" setting → `<API base URL>/codec`): the UI
 * posts the payloads of a history it shows and gets them decrypted. Applicant data, so admin and
 * auditor keys only (`Authorization: Bearer`, the UI's "pass access token"); every call is logged
 * with the caller. `/codec/encode` serves the UI's "send a signal/update with input" forms.
 * Protobuf JSON shape: `{"payloads": [{"metadata": {"encoding": "<base64>"…}, "data": "<base64>"}]}`.
 */
const base64 = z
  .string()
  .max(4_000_000)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64');
const jsonPayload = z.object({
  metadata: z.record(z.string().max(256), base64).nullish(),
  data: base64.nullish(),
});
const body = z.object({ payloads: z.array(jsonPayload).max(1000) });
type JsonPayload = z.infer<typeof jsonPayload>;

const fromJson = ({ metadata, data }: JsonPayload): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))]),
  ),
  data: new Uint8Array(Buffer.from(data ?? '', 'base64')),
});
const toJson = ({ metadata, data }: Payload) => ({
  metadata: Object.fromEntries(
    Object.entries(metadata ?? {}).map(([k, v]) => [
      k,
      Buffer.from(v ?? new Uint8Array()).toString('base64'),
    ]),
  ),
  data: Buffer.from(data ?? new Uint8Array()).toString('base64'),
});

export interface CodecRouteDeps {
  /** undefined when MOTCUA_PAYLOAD_KEYS is not set (development): the endpoint says so. */
  codec: PayloadEncryptionCodec | undefined;
}

/**
 * CORS for `/codec/*`, on the root instance BEFORE the authentication hook so that even a 401
 * reaches the UI readably; preflights (OPTIONS) need no key. `corsOrigins`: the Temporal UI's
 * origins, `*` any.
 */
export function registerCodecCors(app: FastifyInstance, corsOrigins: readonly string[]): void {
  const allowed = (origin: string | undefined): origin is string =>
    origin !== undefined && (corsOrigins.includes('*') || corsOrigins.includes(origin));
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/codec/')) return;
    const origin = request.headers.origin;
    if (!allowed(origin)) return;
    reply.header('access-control-allow-origin', origin);
    reply.header('vary', 'origin');
    reply.header('access-control-allow-credentials', 'true');
    reply.header('access-control-allow-headers', 'authorization, content-type, x-namespace');
    reply.header('access-control-allow-methods', 'POST, OPTIONS');
    reply.header('access-control-max-age', '600');
  });
}

export async function codecRoutes(app: FastifyInstance, deps: CodecRouteDeps) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  for (const op of ['decode', 'encode'] as const) {
    r.options(`/codec/${op}`, { schema: { hide: true } }, async (_request, reply) =>
      reply.status(204).send(),
    );
    r.post(
      `/codec/${op}`,
      {
        schema: { hide: true, body },
        // A UI page of a long history sends many payloads at once.
        bodyLimit: 16 * 1024 * 1024,
        preHandler: requireRole('admin', 'auditor'),
      },
      async (request) => {
        const principal = principalOf(request);
        if (!deps.codec)
          throw new ApiError(
            409,
            'payload_encryption_off',
            'Mã hóa dữ liệu trong lịch sử Temporal chưa được bật (MOTCUA_PAYLOAD_KEYS chưa đặt)',
          );
        request.log.info(
          { principalId: principal.id, role: principal.role, payloads: request.body.payloads.length, op },
          'codec endpoint used',
        );
        const payloads = request.body.payloads.map(fromJson);
        try {
          const result =
            op === 'decode' ? await deps.codec.decode(payloads) : await deps.codec.encode(payloads);
          return { payloads: result.map(toJson) };
        } catch (err) {
          if (err instanceof UnknownPayloadKeyError)
            throw new ApiError(
              422,
              'unknown_payload_key',
              `Không có khóa giải mã "${err.keyId}": ${err.message}`,
              {
                keyId: err.keyId,
              },
            );
          if (err instanceof PayloadDecryptionError)
            throw new ApiError(422, 'payload_not_decryptable', `Không giải mã được dữ liệu: ${err.message}`);
          throw err;
        }
      },
    );
  }
}
