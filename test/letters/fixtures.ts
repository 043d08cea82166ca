import type { LetterContentInput } from '../../domain/letters';

/** Fields chosen to carry the hard diacritics: ắ ặ ễ ượ Đ. */
export const desk = {
  code: 'X-DAK-LAK',
  name: 'Bộ phận Một cửa UBND xã Đắk Lắk',
  parentName: 'UBND huyện Krông Pắc',
};
export const agency = {
  code: 'P-TNMT',
  name: 'Phòng Tài nguyên và Môi trường',
  parentName: 'UBND huyện Krông Pắc',
};

export function apology(overrides: Partial<Record<string, unknown>> = {}): LetterContentInput {
  return {
    kind: 'apology',
    formId: 'tt03-2025/mau-04',
    issuingAgency: agency,
    place: 'Đắk Lắk',
    issuedAt: '2026-11-30T02:15:00Z',
    number: 12,
    draft: false,
    dossierCode: 'H15.22-261120-0007',
    applicant: { name: 'Đặng Thị Ngọc Hằng' },
    procedureName: 'Cấp giấy chứng nhận quyền sử dụng đất lần đầu cho hộ gia đình, cá nhân',
    receivedAt: '2026-11-16T01:40:00Z',
    originalDueAt: '2026-11-27T09:30:00Z',
    reason: 'Chưa nhận được ý kiến của Sở Xây dựng; hồ sơ được chuyển lại để xác minh ranh giới thửa đất.',
    newDueAt: '2026-12-08T08:00:00Z',
    faultParty: 'processing_agency',
    receivingAgencyName: 'Bộ phận Một cửa UBND xã Đắk Lắk',
    signer: { title: 'Trưởng phòng', name: 'Nguyễn Văn Thắng' },
    ...overrides,
  } as LetterContentInput;
}

export function receipt(overrides: Partial<Record<string, unknown>> = {}): LetterContentInput {
  return {
    kind: 'receipt',
    formId: 'tt03-2025/mau-01',
    issuingAgency: desk,
    place: 'Đắk Lắk',
    issuedAt: '2026-11-16T01:40:00Z',
    dossierCode: 'H15.22-261120-0007',
    applicant: { name: 'Đặng Thị Ngọc Hằng', address: 'Thôn Tân Lập, xã Đắk Lắk', phone: '0912 345 678' },
    procedureName: 'Cấp giấy chứng nhận quyền sử dụng đất lần đầu cho hộ gia đình, cá nhân',
    receivedAt: '2026-11-16T01:40:00Z',
    dueAt: '2026-11-27T09:30:00Z',
    documents: [
      { name: 'Đơn đăng ký đất đai, tài sản gắn liền với đất', copies: 1 },
      { name: 'Giấy tờ về quyền sử dụng đất được cấp trước đây (bản sao)', copies: 1 },
    ],
    returnPlace: 'Bộ phận Một cửa UBND xã Đắk Lắk',
    signer: { title: 'Công chức tiếp nhận', name: 'Lê Thị Tuyết' },
    ...overrides,
  } as LetterContentInput;
}

export function controlSlip(overrides: Partial<Record<string, unknown>> = {}): LetterContentInput {
  return {
    kind: 'control_slip',
    formId: 'tt03-2025/mau-05',
    issuingAgency: desk,
    place: 'Đắk Lắk',
    issuedAt: '2026-11-30T03:00:00Z',
    dossierCode: 'H15.22-261120-0007',
    applicant: { name: 'Đặng Thị Ngọc Hằng' },
    procedureName: 'Cấp giấy chứng nhận quyền sử dụng đất lần đầu cho hộ gia đình, cá nhân',
    receivedAt: '2026-11-16T01:40:00Z',
    dueAt: '2026-11-27T09:30:00Z',
    processingAgencyName: 'Phòng Tài nguyên và Môi trường',
    coordinatingAgencyNames: ['Sở Xây dựng tỉnh Đắk Lắk'],
    entries: [
      {
        seq: 1,
        at: '2026-11-16T01:40:00Z',
        type: 'dossier.received',
        actor: { id: 'u-1', name: 'Lê Thị Tuyết', role: 'intake', agencyCode: 'X-DAK-LAK' },
        agencyCode: 'X-DAK-LAK',
        agencyName: 'Bộ phận Một cửa UBND xã Đắk Lắk',
      },
      {
        seq: 2,
        at: '2026-11-16T03:05:00Z',
        type: 'dossier.handed_off',
        actor: { id: 'u-1', name: 'Lê Thị Tuyết', role: 'intake', agencyCode: 'X-DAK-LAK' },
        agencyCode: 'P-TNMT',
        agencyName: 'Phòng Tài nguyên và Môi trường',
        note: 'Chuyển thẩm định',
      },
      {
        seq: 3,
        at: '2026-11-26T08:00:00Z',
        type: 'dossier.delay_reported',
        actor: { id: 'u-7', name: 'Nguyễn Văn Thắng', role: 'officer', agencyCode: 'P-TNMT' },
        agencyCode: 'P-TNMT',
        agencyName: 'Phòng Tài nguyên và Môi trường',
        note: 'Chưa nhận được ý kiến của Sở Xây dựng',
      },
      {
        seq: 4,
        at: '2026-11-27T09:30:00Z',
        type: 'dossier.overdue',
        agencyCode: 'P-TNMT',
      },
    ],
    signer: { title: 'Công chức Bộ phận Một cửa', name: 'Lê Thị Tuyết' },
    ...overrides,
  } as LetterContentInput;
}
