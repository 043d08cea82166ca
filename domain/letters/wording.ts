/**
 * The sentences of each form, built from a letter's content (pure). The renderer only lays
 * them out; tests read them here and in the extracted PDF text.
 */
import type { ApologyContent, ControlSlipContent, ReceiptContent } from './content';
import { plainText, vnDate, vnDateTime } from './text';

/** A run of text inside a paragraph; `strong` runs are printed bold. */
export interface Run {
  text: string;
  strong?: boolean;
}
export type Paragraph = Run[];

const t = (text: string): Run => ({ text });
const b = (text: string): Run => ({ text, strong: true });

/** "Kính gửi: Ông/Bà …" */
export function salutation(applicantName: string): Paragraph {
  return [t('Kính gửi: Ông/Bà '), b(plainText(applicantName))];
}

/** Body of Mẫu 04 under either rule-set. */
export function apologyParagraphs(c: ApologyContent): Paragraph[] {
  const issuer = plainText(c.issuingAgency.name);
  const receiver = plainText(c.receivingAgencyName ?? c.issuingAgency.name);
  const received: Paragraph = [
    t(`Vào ${vnDate(c.receivedAt)}, ${receiver} đã tiếp nhận hồ sơ đề nghị giải quyết thủ tục hành chính `),
    b(plainText(c.procedureName)),
    t(' của Ông/Bà; mã hồ sơ: '),
    b(plainText(c.dossierCode)),
    t(`; thời điểm tiếp nhận: ${vnDateTime(c.receivedAt)}.`),
  ];
  const appointment: Paragraph = [
    t('Thời gian hẹn trả kết quả giải quyết hồ sơ: '),
    b(vnDateTime(c.originalDueAt)),
    t('.'),
  ];
  const reason = plainText(c.reason);
  if (c.formId === 'tt01-2018/mau-04') {
    return [
      received,
      appointment,
      [
        t(
          `Tuy nhiên, đến nay ${issuer} chưa trả được kết quả giải quyết hồ sơ cho Ông/Bà theo đúng thời gian đã hẹn. Lý do: ${reason}`,
        ),
      ],
      [
        t(
          `Sự chậm trễ này đã gây phiền hà cho Ông/Bà. ${issuer} trân trọng xin lỗi Ông/Bà và hẹn trả kết quả giải quyết hồ sơ vào lúc `,
        ),
        b(vnDateTime(c.newDueAt)),
        t('.'),
      ],
      [t('Xin trân trọng cảm ơn sự thông cảm và hợp tác của Ông/Bà./.')],
    ];
  }
  return [
    received,
    appointment,
    [t(`Hồ sơ của Ông/Bà chưa được giải quyết xong trong thời hạn đã hẹn. Lý do: ${reason}`)],
    [
      t(
        `${issuer} thành thật xin lỗi Ông/Bà vì sự chậm trễ này và đề nghị Ông/Bà đồng ý gia hạn thời gian giải quyết hồ sơ đến `,
      ),
      b(vnDateTime(c.newDueAt)),
      t('.'),
    ],
    [t('Rất mong nhận được sự thông cảm và hợp tác của Ông/Bà./.')],
  ];
}

/** Body of Mẫu 01 (receipt with the appointment). */
export function receiptParagraphs(c: ReceiptContent): Paragraph[] {
  const out: Paragraph[] = [
    [t(`${plainText(c.issuingAgency.name)} đã tiếp nhận hồ sơ của:`)],
    [t('Ông/Bà: '), b(plainText(c.applicant.name))],
  ];
  if (c.applicant.address) out.push([t(`Địa chỉ: ${plainText(c.applicant.address)}`)]);
  const contact = [
    c.applicant.phone ? `Số điện thoại: ${plainText(c.applicant.phone)}` : '',
    c.applicant.email ? `Thư điện tử: ${plainText(c.applicant.email)}` : '',
  ].filter(Boolean);
  if (contact.length) out.push([t(contact.join('; '))]);
  out.push([t('Nội dung yêu cầu giải quyết: '), b(plainText(c.procedureName))]);
  out.push([t('1. Thành phần hồ sơ nộp gồm:')]);
  if (c.documents.length === 0) out.push([t('(theo danh mục của thủ tục hành chính)')]);
  c.documents.forEach((d) => {
    const copies = d.copies ? ` (${d.copies} bản)` : '';
    out.push([t(`- ${plainText(d.name)}${copies};`)]);
  });
  out.push([t('2. Thời gian nhận hồ sơ: '), b(vnDateTime(c.receivedAt))]);
  out.push([t('3. Thời gian trả kết quả giải quyết hồ sơ: '), b(vnDateTime(c.dueAt))]);
  out.push([t(`4. Đăng ký nhận kết quả tại: ${plainText(c.returnPlace ?? c.issuingAgency.name)}`)]);
  return out;
}

/** Summary lines above the control slip's table. */
export function controlSlipSummary(c: ControlSlipContent): Paragraph[] {
  return [
    [t('Người nộp hồ sơ: '), b(plainText(c.applicant.name))],
    [t('Thủ tục hành chính: '), b(plainText(c.procedureName))],
    ...(c.processingAgencyName
      ? [[t('Cơ quan (bộ phận) giải quyết hồ sơ: '), b(plainText(c.processingAgencyName))]]
      : []),
    ...(c.coordinatingAgencyNames.length
      ? [
          [
            t(
              `Cơ quan phối hợp giải quyết hồ sơ: ${c.coordinatingAgencyNames.map((n) => plainText(n)).join('; ')}`,
            ),
          ],
        ]
      : []),
    [t(`Thời điểm tiếp nhận: ${vnDateTime(c.receivedAt)}`)],
    [t(`Thời hạn trả kết quả: ${vnDateTime(c.dueAt)}`)],
  ];
}

export const ROLE_LABELS: Record<string, string> = {
  intake: 'Tiếp nhận',
  officer: 'Chuyên viên',
  supervisor: 'Lãnh đạo',
  auditor: 'Kiểm tra',
  admin: 'Quản trị',
  system: 'Hệ thống',
};

/** The text printed in one paragraph (runs joined). */
export function paragraphText(p: Paragraph): string {
  return p.map((r) => r.text).join('');
}
