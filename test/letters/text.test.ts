import { describe, expect, it } from 'vitest';
import {
  formatLetterNumber,
  formFor,
  issuingAgencyCode,
  letterContentSchema,
  localYear,
  NATIONAL_MOTTO,
  NATIONAL_NAME,
  placeAndDate,
  plainText,
  ruleSetAt,
  vnDate,
  vnDateTime,
} from '../../domain/letters';
import { apology } from './fixtures';

describe('Vietnamese dates on letters', () => {
  it('writes the date the official way, in Vietnam time', () => {
    expect(vnDate('2026-11-30T02:15:00Z')).toBe('ngày 30 tháng 11 năm 2026');
    // 18:00 UTC on the 29th is already 01:00 on the 30th in Hà Nội.
    expect(vnDate('2026-11-29T18:00:00Z')).toBe('ngày 30 tháng 11 năm 2026');
  });

  it('pads days below 10 and the months 1 and 2 with a zero, not other months', () => {
    expect(vnDate('2026-02-05T03:00:00+07:00')).toBe('ngày 05 tháng 02 năm 2026');
    expect(vnDate('2026-01-09T03:00:00+07:00')).toBe('ngày 09 tháng 01 năm 2026');
    expect(vnDate('2026-03-05T03:00:00+07:00')).toBe('ngày 05 tháng 3 năm 2026');
  });

  it('writes the time before the date', () => {
    expect(vnDateTime('2026-12-08T08:00:00Z')).toBe('15 giờ 00 phút, ngày 08 tháng 12 năm 2026');
    expect(placeAndDate('Đắk Lắk', '2026-11-30T02:15:00Z')).toBe('Đắk Lắk, ngày 30 tháng 11 năm 2026');
  });

  it('numbers a letter in the local year it is issued', () => {
    expect(localYear('2026-12-31T17:30:00Z')).toBe(2027);
  });

  it('has the national name and motto with their diacritics', () => {
    expect(NATIONAL_NAME).toBe('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM');
    expect(NATIONAL_MOTTO).toBe('Độc lập - Tự do - Hạnh phúc');
  });
});

describe('rule-set and form of a letter', () => {
  it('uses Circular 01/2018 for dossiers received before 1 July 2025 (Vietnam time), 03/2025 from then', () => {
    expect(ruleSetAt('2025-06-30T16:59:59.999Z')).toBe('tt01-2018');
    expect(ruleSetAt('2025-07-01T00:00:00+07:00')).toBe('tt03-2025');
    expect(ruleSetAt('2026-11-16T01:40:00Z')).toBe('tt03-2025');
  });

  it('titles the apology per rule-set', () => {
    expect(formFor('apology', 'tt01-2018').title).toBe('PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ');
    expect(formFor('apology', 'tt03-2025').title).toBe(
      'VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT',
    );
    expect(formFor('receipt', 'tt03-2025').title).toBe('GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ');
    expect(formFor('control_slip', 'tt01-2018').title).toBe('PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ');
  });

  it('formats the letter number as sequence/symbol-agency, with dots for a draft', () => {
    expect(formatLetterNumber(12, 'PXL', 'X-AN-BINH')).toBe('12/PXL-X-AN-BINH');
    expect(formatLetterNumber(null, 'PXL', 'X-AN-BINH')).toBe('....../PXL-X-AN-BINH');
    expect(() => formatLetterNumber(0, 'PXL', 'X')).toThrow(RangeError);
  });

  it('has the desk apologise when the desk is at fault, else the agency at fault', () => {
    const parties = { deskAgencyCode: 'DESK', processingAgencyCode: 'PROC', faultAgencyCode: 'OTHER' };
    expect(issuingAgencyCode({ ...parties, faultParty: 'desk' })).toBe('DESK');
    expect(issuingAgencyCode({ ...parties, faultParty: 'processing_agency' })).toBe('PROC');
    expect(issuingAgencyCode({ ...parties, faultParty: 'other_agency' })).toBe('OTHER');
  });

  it('refuses content whose form is of another kind, and a draft that carries a number', () => {
    expect(letterContentSchema.safeParse(apology({ formId: 'tt03-2025/mau-01' })).success).toBe(false);
    expect(letterContentSchema.safeParse(apology({ draft: true, number: 3 })).success).toBe(false);
    expect(letterContentSchema.safeParse(apology()).success).toBe(true);
  });
});

describe('plain text of user fields', () => {
  it('keeps markup as literal text', () => {
    expect(plainText('<script>alert("x")</script>')).toBe('<script>alert("x")</script>');
  });

  it('composes decomposed Vietnamese letters (NFC) and drops control and bidi characters', () => {
    const decomposed = 'Đặng Thị Hằng'.normalize('NFD');
    expect(plainText(decomposed)).toBe('Đặng Thị Hằng');
    expect(plainText('Nguyễn\u0000 \u202eVăn\u200b  Thắng\n\tB')).toBe('Nguyễn Văn Thắng B');
    expect(plainText('a\ud800b')).toBe('a\ufffdb');
  });
});
