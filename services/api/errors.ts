import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { INSTANT_OUT_OF_RANGE } from '../../domain/instants';
import { INVALID_TEXT, isInvalidTextIssue } from '../../domain/text';

/** Every API error body: a machine-readable code, a human-readable message, optional details. */
export interface ApiErrorBody {
  code: string;
  message: string;
  details?: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Has the message Vietnamese text already (a letter with a Vietnamese diacritic)? */
const VIETNAMESE = /[ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ]/i;

/**
 * The Vietnamese sentence for an error code whose message was written in English (the caller's
 * user sees `message`): `<Vietnamese>: <original>`, so the specifics (a code, a field) stay.
 */
const vietnameseByCode: Record<string, string> = {
  unauthorized: 'Chưa xác thực: cần khóa API hợp lệ, chưa thu hồi, còn hạn (Authorization: Bearer <khóa>)',
  forbidden_role: 'Vai trò của khóa API không được phép thực hiện thao tác này',
  forbidden_scope: 'Khóa API không có thẩm quyền với hồ sơ hoặc cơ quan này',
  dossier_not_found: 'Không tìm thấy hồ sơ',
  dossier_exists: 'Mã hồ sơ đã được sử dụng',
  unknown_reference: 'Thủ tục hoặc cơ quan không có trong danh mục',
  agency_not_found: 'Không tìm thấy cơ quan',
  procedure_not_found: 'Không tìm thấy thủ tục',
  letter_not_found: 'Không tìm thấy văn bản',
  pdf_not_found: 'Không tìm thấy tệp PDF',
  key_not_found: 'Không tìm thấy khóa API',
  alert_not_found: 'Không tìm thấy cảnh báo',
  subscription_not_found: 'Không tìm thấy đăng ký nhận cảnh báo',
  invalid_request: 'Yêu cầu không hợp lệ',
  invalid_agency: 'Phạm vi cơ quan của khóa API không hợp lệ',
  idempotency_key_reused: 'Idempotency-Key đã được dùng cho một yêu cầu khác',
  route_not_found: 'Không có đường dẫn này',
  body_too_large: 'Nội dung yêu cầu quá lớn',
  invalid_json: 'Nội dung yêu cầu không phải JSON hợp lệ',
  unsupported_media_type: 'Kiểu nội dung không được hỗ trợ (dùng application/json)',
  bad_request: 'Yêu cầu không hợp lệ',
};

export function inVietnamese(code: string, message: string): string {
  if (VIETNAMESE.test(message)) return message;
  const vi = vietnameseByCode[code];
  return vi ? `${vi}: ${message}` : message;
}

/** Fastify's own refusals (body parsing) under our codes. */
const fastifyCodes: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported_media_type',
};

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | ApiError, request, reply) => {
    if (err instanceof ApiError) {
      return reply
        .status(err.statusCode)
        .send({ code: err.code, message: inVietnamese(err.code, err.message), details: err.details });
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const where = err.validationContext ?? 'body';
      const details = err.validation.map((v) => ({
        field: [where, ...v.instancePath.split('/').filter(Boolean)].join('.'),
        message: v.message,
      }));
      // Text that could break a consumer or disguise a name (domain/text.ts): its own code.
      const unsafe = err.validation.flatMap((v, i) => (isInvalidTextIssue(v) ? [details[i]!] : []));
      if (unsafe.length > 0) {
        return reply.status(400).send({
          code: INVALID_TEXT,
          message: `Văn bản không hợp lệ: ${unsafe.map((d) => d.field).join(', ')}`,
          details: unsafe,
        });
      }
      // Well-formed instants outside the calendar's range (1900–2199): 422, as the workflow answers.
      if (details.every((d) => d.message?.startsWith(INSTANT_OUT_OF_RANGE))) {
        return reply.status(422).send({
          code: INSTANT_OUT_OF_RANGE,
          message: `Thời điểm nằm ngoài phạm vi của lịch (1900–2199): ${details.map((d) => d.field).join(', ')}`,
          details,
        });
      }
      return reply.status(400).send({
        code: 'invalid_request',
        message: `Yêu cầu không hợp lệ (${where}): ${details.map((d) => d.field).join(', ')}`,
        details,
      });
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      const code = fastifyCodes[err.code] ?? (err.code ?? 'bad_request').toLowerCase();
      return reply.status(err.statusCode).send({ code, message: inVietnamese(code, err.message) });
    }
    const dependency = unavailableDependency(err);
    if (dependency) {
      // The caller may retry: nothing was committed before the dependency failed.
      request.log.warn({ dependency, err: err.message }, 'dependency unavailable');
      return reply
        .status(503)
        .header('retry-after', '1')
        .send({
          code: 'dependency_unavailable',
          message: `${dependency} is unavailable right now; retry shortly`,
          details: { dependency },
        });
    }
    request.log.error({ err }, 'unhandled error');
    return reply
      .status(500)
      .send({ code: 'internal_error', message: 'Lỗi hệ thống (Internal server error); đã ghi nhật ký' });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      code: 'route_not_found',
      message: inVietnamese('route_not_found', `No route ${request.method} ${request.url.slice(0, 200)}`),
    }),
  );
}

/** PostgreSQL or Temporal unreachable or restarting: a 503 the caller should retry, not a 500. */
export function unavailableDependency(
  err: unknown,
): 'PostgreSQL' | 'Temporal' | 'Temporal worker' | undefined {
  const e = err as {
    name?: string;
    code?: unknown;
    meta?: { driverAdapterError?: { cause?: { kind?: string; code?: string } } };
    cause?: unknown;
  };
  const cause = e?.meta?.driverAdapterError?.cause;
  if (
    e?.code === 'P1001' ||
    e?.code === 'P1002' ||
    e?.code === 'P1017' ||
    cause?.kind === 'DatabaseNotReachable' ||
    cause?.kind === 'ConnectionClosed' ||
    (typeof cause?.code === 'string' && /^(57P0[1-3]|08)/.test(cause.code))
  ) {
    return 'PostgreSQL';
  }
  if (e?.name === 'ConnectionError') return 'Temporal';
  // @temporalio/client wraps gRPC UNAVAILABLE (14) / DEADLINE_EXCEEDED (4) in ServiceError.
  const grpc = (e?.cause ?? e) as { code?: unknown };
  if (e?.name === 'ServiceError' && (grpc.code === 14 || grpc.code === 4)) return 'Temporal';
  // A query while no worker polls the task queue (killed, restarting): FAILED_PRECONDITION (9).
  const message = `${(e as { message?: unknown }).message ?? ''} ${(grpc as { details?: unknown }).details ?? ''}`;
  if (e?.name === 'ServiceError' && grpc.code === 9 && /no poller seen/i.test(message))
    return 'Temporal worker';
  return undefined;
}
