import { describe, expect, it } from 'vitest';
import { formFor, ruleSetAt } from '../../domain/letters';
import { renderLetter, sha256Hex } from '../../services/letters/render';
import { apology, controlSlip, receipt } from './fixtures';
import { extractPdf, squash } from './pdf-text';

const A4: [number, number] = [595.28, 841.89];

/** Asserts each expected string appears in the extracted text (wrapping-insensitive). */
function expectFields(text: string, fields: string[]) {
  const flat = squash(text);
  for (const field of fields) expect(flat, `missing “${field}”`).toContain(squash(field));
}

describe('Mẫu 04 apology letter', () => {
  it('prints every field of the Circular 03/2025 letter with its diacritics', async () => {
    const { bytes } = await renderLetter(apology());
    const pdf = await extractPdf(bytes);
    expectFields(pdf.text, [
      'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
      'Độc lập - Tự do - Hạnh phúc',
      'UBND HUYỆN KRÔNG PẮC',
      'PHÒNG TÀI NGUYÊN VÀ MÔI TRƯỜNG',
      'Số: 12/PXL-P-TNMT',
      'Đắk Lắk, ngày 30 tháng 11 năm 2026',
      'VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT',
      'Kính gửi: Ông/Bà Đặng Thị Ngọc Hằng',
      'H15.22-261120-0007',
      'Cấp giấy chứng nhận quyền sử dụng đất lần đầu cho hộ gia đình, cá nhân',
      'Bộ phận Một cửa UBND xã Đắk Lắk đã tiếp nhận hồ sơ',
      'thời điểm tiếp nhận: 08 giờ 40 phút, ngày 16 tháng 11 năm 2026',
      'Thời gian hẹn trả kết quả giải quyết hồ sơ: 16 giờ 30 phút, ngày 27 tháng 11 năm 2026',
      'Lý do: Chưa nhận được ý kiến của Sở Xây dựng; hồ sơ được chuyển lại để xác minh ranh giới thửa đất.',
      'đề nghị Ông/Bà đồng ý gia hạn thời gian giải quyết hồ sơ đến 15 giờ 00 phút, ngày 08 tháng 12 năm 2026',
      'Phòng Tài nguyên và Môi trường thành thật xin lỗi Ông/Bà',
      'TRƯỞNG PHÒNG',
      'Nguyễn Văn Thắng',
      'Nơi nhận:',
    ]);
    // The hard letters come back as the same code points: real glyphs with a ToUnicode map.
    for (const ch of ['ắ', 'ặ', 'ễ', 'ượ', 'Đ', 'Ắ', 'Ờ']) expect(pdf.text).toContain(ch);
    expect(pdf.sizes).toEqual([A4]);
  });

  it('prints the Circular 01/2018 title and wording for a dossier received before 1 July 2025', async () => {
    const receivedAt = '2025-06-20T02:00:00Z';
    const form = formFor('apology', ruleSetAt(receivedAt));
    const { bytes } = await renderLetter(
      apology({ formId: form.id, receivedAt, originalDueAt: '2025-07-10T09:00:00Z' }),
    );
    const { text } = await extractPdf(bytes);
    expectFields(text, [
      'PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ',
      'Vào ngày 20 tháng 6 năm 2025',
      '16 giờ 00 phút, ngày 10 tháng 7 năm 2025',
      'trân trọng xin lỗi Ông/Bà và hẹn trả kết quả giải quyết hồ sơ vào lúc 15 giờ 00 phút, ngày 08 tháng 12 năm 2026',
    ]);
    expect(squash(text)).not.toContain(squash('ĐỀ NGHỊ GIA HẠN'));
  });

  it('is issued by the one-stop desk when the desk is at fault', async () => {
    const { bytes } = await renderLetter(
      apology({
        faultParty: 'desk',
        issuingAgency: { code: 'X-DAK-LAK', name: 'Bộ phận Một cửa UBND xã Đắk Lắk' },
        signer: { title: 'Giám đốc', name: 'Trần Thị Bích Ngọc' },
        number: 3,
      }),
    );
    const { text } = await extractPdf(bytes);
    expectFields(text, [
      'BỘ PHẬN MỘT CỬA UBND XÃ ĐẮK LẮK',
      'Số: 3/PXL-X-DAK-LAK',
      'GIÁM ĐỐC',
      'Trần Thị Bích Ngọc',
    ]);
  });

  it('marks a draft and leaves its number blank', async () => {
    const { bytes } = await renderLetter(apology({ draft: true, number: null }));
    const { text } = await extractPdf(bytes);
    expectFields(text, ['DỰ THẢO', 'Số: ....../PXL-P-TNMT', '(Ký, ghi rõ họ tên và đóng dấu)']);
  });
});

describe('Vietnamese coverage', () => {
  // Every vowel with every tone, đ, and the letters with horn and breve, in both cases.
  const vowels = ['a', 'ă', 'â', 'e', 'ê', 'i', 'o', 'ô', 'ơ', 'u', 'ư', 'y'];
  const tones = ['', '\u0300', '\u0301', '\u0309', '\u0303', '\u0323'];
  const lower = `${vowels.flatMap((v) => tones.map((t) => `${v}${t}`.normalize('NFC'))).join('')}đ`;
  const alphabet = `${lower} ${lower.toLocaleUpperCase('vi')}`;

  it('draws every precomposed Vietnamese letter with a real glyph that extracts as itself', async () => {
    expect([...alphabet.replace(' ', '')].length).toBe(146);
    const { bytes } = await renderLetter(apology({ reason: alphabet, applicant: { name: alphabet } }));
    const { text } = await extractPdf(bytes);
    // A letter missing from the font would have been printed as "?".
    expect(text).not.toContain('?');
    expectFields(text, [`Kính gửi: Ông/Bà ${alphabet}`, `Lý do: ${alphabet}`]);
  });
});

describe('deterministic bytes (content addressed)', () => {
  it('renders the same content to the same bytes, dated by the content, not the clock', async () => {
    const a = await renderLetter(apology());
    await new Promise((r) => setTimeout(r, 1100));
    // Fonts are shared between documents: rendering other letters in between changes nothing.
    await Promise.all([
      renderLetter(controlSlip()),
      renderLetter(receipt({ applicant: { name: 'Ặ Ẵ ỹ ự' } })),
    ]);
    const b = await renderLetter(apology());
    expect(b.sha256).toBe(a.sha256);
    expect(a.sha256).toBe(sha256Hex(a.bytes));
    expect(Buffer.compare(a.bytes, b.bytes)).toBe(0);
    const { info } = await extractPdf(a.bytes);
    expect(info.CreationDate).toBe('D:20261130021500Z');
    expect(info.Title).toBe('VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT - H15.22-261120-0007');
  });

  it('changes the bytes when any field changes', async () => {
    const a = await renderLetter(apology());
    const b = await renderLetter(apology({ number: 13 }));
    const c = await renderLetter(apology({ issuedAt: '2026-11-30T02:16:00Z' }));
    expect(new Set([a.sha256, b.sha256, c.sha256]).size).toBe(3);
  });
});

describe('hostile and oversized input', () => {
  it('prints markup in a name as literal text', async () => {
    const name = '<script>alert("Đặng")</script><b>Hằng</b> & Co';
    const { bytes } = await renderLetter(apology({ applicant: { name } }));
    const { text } = await extractPdf(bytes);
    expectFields(text, [name]);
  });

  it('wraps a very long reason and an unbroken word onto further A4 pages without losing text', async () => {
    const unbroken = 'Đ'.repeat(600);
    const long = `${'Thửa đất chưa được đo đạc lại vì ượ ễ ắ ặ. '.repeat(70)}${unbroken}`;
    const { bytes } = await renderLetter(
      apology({ reason: long, applicant: { name: `Nguyễn ${'Văn '.repeat(60)}Thắng` } }),
    );
    const pdf = await extractPdf(bytes);
    expect(pdf.pages.length).toBeGreaterThan(1);
    expect(pdf.sizes.every(([w, h]) => w === A4[0] && h === A4[1])).toBe(true);
    expectFields(pdf.text, [
      long,
      'Nguyễn Văn Văn Văn',
      'Nguyễn Văn Thắng',
      '15 giờ 00 phút, ngày 08 tháng 12 năm 2026',
    ]);
  });

  it('cuts an unbroken bold field that spans runs without losing or reordering characters', async () => {
    const procedureName = `Thủ-tục-${'Đăng-ký-hộ-kinh-doanh-'.repeat(40)}cuối`;
    const { bytes } = await renderLetter(apology({ procedureName }));
    const { text } = await extractPdf(bytes);
    expectFields(text, [`${procedureName} của Ông/Bà; mã hồ sơ: H15.22-261120-0007`]);
  });

  it('prints a character the font lacks as “?” instead of dropping it', async () => {
    const { bytes } = await renderLetter(apology({ applicant: { name: 'Lê Văn Ất 😀' } }));
    const { text } = await extractPdf(bytes);
    expectFields(text, ['Lê Văn Ất ?']);
  });

  it('refuses content that is not a letter', async () => {
    await expect(renderLetter(apology({ applicant: { name: '' } }))).rejects.toThrow();
    await expect(renderLetter(apology({ newDueAt: 'tomorrow' }))).rejects.toThrow();
  });
});

describe('Mẫu 01 receipt from the same renderer', () => {
  it('prints the receipt with its appointment date and time', async () => {
    const { bytes } = await renderLetter(receipt());
    const pdf = await extractPdf(bytes);
    expectFields(pdf.text, [
      'GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ',
      'Mã hồ sơ: H15.22-261120-0007',
      'BỘ PHẬN MỘT CỬA UBND XÃ ĐẮK LẮK',
      'Ông/Bà: Đặng Thị Ngọc Hằng',
      'Địa chỉ: Thôn Tân Lập, xã Đắk Lắk',
      'Đơn đăng ký đất đai, tài sản gắn liền với đất (1 bản)',
      'Thời gian nhận hồ sơ: 08 giờ 40 phút, ngày 16 tháng 11 năm 2026',
      'Thời gian trả kết quả giải quyết hồ sơ: 16 giờ 30 phút, ngày 27 tháng 11 năm 2026',
      'NGƯỜI NỘP HỒ SƠ',
      'NGƯỜI TIẾP NHẬN HỒ SƠ',
      'Lê Thị Tuyết',
    ]);
    expect(pdf.sizes).toEqual([A4]);
  });
});

describe('Mẫu 05 control slip from the same renderer', () => {
  it('prints each transition with time, actor, agency and note', async () => {
    const { bytes } = await renderLetter(controlSlip());
    const { text } = await extractPdf(bytes);
    expectFields(text, [
      'PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ',
      'Cơ quan (bộ phận) giải quyết hồ sơ: Phòng Tài nguyên và Môi trường',
      'Cơ quan phối hợp giải quyết hồ sơ: Sở Xây dựng tỉnh Đắk Lắk',
      'Thời gian',
      'Người thực hiện',
      '08:40 16/11/2026',
      'Tiếp nhận hồ sơ',
      'Chuyển hồ sơ',
      'Báo cáo chậm giải quyết',
      'Nguyễn Văn Thắng (Chuyên viên)',
      'Phòng Tài nguyên và Môi trường',
      'Chưa nhận được ý kiến của Sở Xây dựng',
      'Quá hạn giải quyết',
      'Hệ thống',
    ]);
  });

  it('continues a long history on further pages, repeating the table header', async () => {
    const base = controlSlip() as { entries: Record<string, unknown>[] };
    const entries = Array.from({ length: 120 }, (_, i) => ({
      ...base.entries[1],
      seq: i + 1,
      note: i === 7 ? 'Ghi chú rất dài '.repeat(120) : `Lượt ${i + 1}`,
    }));
    const { bytes } = await renderLetter(controlSlip({ entries }));
    const pdf = await extractPdf(bytes);
    expect(pdf.pages.length).toBeGreaterThan(2);
    for (const page of pdf.pages) expect(squash(page)).toContain(squash('Người thực hiện'));
    expectFields(pdf.text, ['Lượt 120']);
  });
});
