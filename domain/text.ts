import { z } from 'zod';

/**
 * Safe text (văn bản an toàn): every free-text field that enters motcua — applicant names,
 * reasons, notes, comments, supplement items, digitized components, payment references,
 * signers, catalogue and key names — goes through `safeText`. Refused (400 `invalid_text`):
 *
 * - C0 control characters other than tab and newline (NUL breaks PostgreSQL text and JSON
 *   consumers; the others have no place in a name or a reason), and DEL. A Windows line end
 *   (CR LF) is accepted and stored as a newline; a lone CR is refused;
 * - lone UTF-16 surrogates (not Unicode text: PostgreSQL and most JSON consumers refuse them);
 * - bidirectional overrides and isolates U+202A–U+202E and U+2066–U+2069, which can make a name
 *   read differently in a letter than it is stored.
 *
 * Accepted text is normalised to Unicode NFC, so "Nguyễn" typed with combining marks and the
 * precomposed "Nguyễn" are the same name in every comparison, search and count.
 */

/** Issue code of refused text; the API answers 400 with it. */
export const INVALID_TEXT = 'invalid_text';

// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the refused characters.
const controlChars = /[\u0000-\u0008\u000B-\u001F\u007F]/;
const bidiOverrides = /[\u202A-\u202E\u2066-\u2069]/;
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Windows line ends (CR LF) from desk software are plain newlines; a lone CR is refused. */
const crlf = /\r\n/g;

/** Why `value` is not safe text (Vietnamese, for the caller), or undefined when it is. */
export function unsafeTextReason(value: string): string | undefined {
  if (controlChars.test(value.replace(crlf, '\n')))
    return 'chứa ký tự điều khiển (chỉ cho phép tab và xuống dòng)';
  if (loneSurrogate.test(value)) return 'chứa ký tự Unicode không hợp lệ (surrogate đơn lẻ)';
  if (bidiOverrides.test(value)) return 'chứa ký tự điều khiển hướng chữ (U+202A–U+202E, U+2066–U+2069)';
  return undefined;
}

export const isSafeText = (value: string): boolean => unsafeTextReason(value) === undefined;

/** Refines a string schema: refuses unsafe text with an `invalid_text` issue. */
function refuseUnsafe(value: string, ctx: z.core.$RefinementCtx<string>): void {
  const reason = unsafeTextReason(value);
  if (reason) {
    ctx.addIssue({
      code: 'custom',
      message: `Văn bản ${reason}`,
      params: { code: INVALID_TEXT },
      input: value,
    });
  }
}

/**
 * A trimmed, NFC-normalised, safe string of 1..max characters (0..max with `allowEmpty`).
 * The check runs on the raw input, so nothing unsafe hides behind the trim.
 */
export function safeText(max: number, opts: { min?: number; minMessage?: string } = {}) {
  return z
    .string()
    .superRefine(refuseUnsafe)
    .trim()
    .overwrite((s) => s.replace(crlf, '\n').normalize('NFC'))
    .min(opts.min ?? 1, opts.minMessage)
    .max(max);
}

/** The same checks for a string that must not be trimmed or length-checked (e.g. phone numbers). */
export function safeString(max: number) {
  return z
    .string()
    .superRefine(refuseUnsafe)
    .overwrite((s) => s.replace(crlf, '\n').normalize('NFC'))
    .max(max);
}

/** Whether a zod issue (as fastify-type-provider-zod reports it) is refused text. */
export function isInvalidTextIssue(issue: { keyword?: string; params?: unknown }): boolean {
  const params = issue.params as { params?: { code?: unknown }; code?: unknown } | undefined;
  return params?.params?.code === INVALID_TEXT || params?.code === INVALID_TEXT;
}
