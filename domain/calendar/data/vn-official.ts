/**
 * Official schedules of days off / make-up working days for public servants
 * (cán bộ, công chức, viên chức), Vietnam. DATA ONLY — validated by OfficialDataSchema.
 *
 * Only weekdays that become days off, weekend holidays that trigger a compensatory day
 * (nghỉ bù, Bộ luật Lao động 2019 Điều 111 khoản 3) and Saturdays that become working days
 * are listed. Ordinary weekends inside a holiday period are not listed.
 *
 * `uncertain: true` marks entries whose *dates* could not be confirmed from the primary
 * text (only from the rules or from press reports); a `note` says what is unverified.
 */
import type { YearSchedule } from '../types';

export const NATIONAL_CALENDAR_VERSION = 'vn-2026.1';

const LC = 'Bộ luật Lao động 2019, Điều 112 khoản 1';
const LC_COMP = 'Bộ luật Lao động 2019, Điều 111 khoản 3 (nghỉ bù)';

const S2024_TET_QK =
  'Thông báo 5015/TB-LĐTBXH ngày 22/11/2023 (Bộ LĐ-TB&XH), theo Công văn 8662/VPCP-KGVX ngày 03/11/2023';
const S2024_APR =
  'Công văn 2450/VPCP-KGVX ngày 12/4/2024 (Thủ tướng đồng ý đề xuất 1511/BLĐTBXH-CATLĐ ngày 11/4/2024)';
const S2025 = 'Công văn 8726/VPCP-KGVX ngày 26/11/2024 (ý kiến Thủ tướng Chính phủ), Bộ LĐ-TB&XH thông báo';
const S2026_NY =
  'Văn bản của VPCP ngày 25/12/2025 (ý kiến Phó Thủ tướng Phạm Thị Thanh Trà), Bộ Nội vụ thông báo ngày 25/12/2025';
const S2026_TET_QK =
  'Thông báo 9441/TB-BNV ngày 16/10/2025 (Bộ Nội vụ), theo ý kiến Thủ tướng Chính phủ (VPCP, 10/2025)';

const NO_NUMBER =
  'số hiệu văn bản chưa xác minh được; ngày nghỉ/làm bù khớp với báo chí (VnExpress/24h, 25–26/12/2025)';

export const OFFICIAL_YEARS: YearSchedule[] = [
  {
    year: 2024,
    provisional: false,
    sources: [LC, S2024_TET_QK, S2024_APR],
    note: 'Tết Giáp Thìn: nghỉ 08–14/02/2024 = 5 ngày Tết + 2 ngày nghỉ bù (mùng 1, mùng 2 trùng thứ Bảy, Chủ nhật). Thông báo không nói rõ ngày nào là ngày bù; ở đây theo phương án "2 ngày trước Tết, 3 ngày sau Tết" của Bộ LĐ-TB&XH.',
    days: [
      { date: '2024-01-01', kind: 'holiday', name: 'Tết Dương lịch', source: LC, provisional: false },
      {
        date: '2024-02-08',
        kind: 'holiday',
        name: 'Tết Nguyên Đán (29 tháng Chạp Quý Mão)',
        source: S2024_TET_QK,
        provisional: false,
      },
      {
        date: '2024-02-09',
        kind: 'holiday',
        name: 'Tết Nguyên Đán (30 tháng Chạp Quý Mão)',
        source: S2024_TET_QK,
        provisional: false,
      },
      {
        date: '2024-02-10',
        kind: 'holiday',
        name: 'Tết Nguyên Đán (mùng 1 tháng Giêng Giáp Thìn)',
        source: S2024_TET_QK,
        provisional: false,
      },
      {
        date: '2024-02-11',
        kind: 'holiday',
        name: 'Tết Nguyên Đán (mùng 2 tháng Giêng Giáp Thìn)',
        source: S2024_TET_QK,
        provisional: false,
      },
      {
        date: '2024-02-12',
        kind: 'holiday',
        name: 'Tết Nguyên Đán (mùng 3 tháng Giêng Giáp Thìn)',
        source: S2024_TET_QK,
        provisional: false,
      },
      {
        date: '2024-02-13',
        kind: 'compensatory',
        name: 'Nghỉ bù Tết Nguyên Đán (mùng 1 trùng thứ Bảy)',
        source: S2024_TET_QK,
        provisional: false,
      },
      {
        date: '2024-02-14',
        kind: 'compensatory',
        name: 'Nghỉ bù Tết Nguyên Đán (mùng 2 trùng Chủ nhật)',
        source: S2024_TET_QK,
        provisional: false,
      },
      {
        date: '2024-04-18',
        kind: 'holiday',
        name: 'Giỗ Tổ Hùng Vương (10/3 âm lịch)',
        source: LC,
        provisional: false,
      },
      {
        date: '2024-04-29',
        kind: 'swap_off',
        name: 'Nghỉ hoán đổi dịp 30/4–1/5 (làm bù thứ Bảy 04/5/2024)',
        source: S2024_APR,
        provisional: false,
      },
      {
        date: '2024-04-30',
        kind: 'holiday',
        name: 'Ngày Chiến thắng (30/4)',
        source: LC,
        provisional: false,
      },
      {
        date: '2024-05-01',
        kind: 'holiday',
        name: 'Ngày Quốc tế Lao động (1/5)',
        source: LC,
        provisional: false,
      },
      {
        date: '2024-05-04',
        kind: 'makeup_workday',
        name: 'Làm bù cho ngày thứ Hai 29/4/2024',
        source: S2024_APR,
        provisional: false,
      },
      { date: '2024-09-02', kind: 'holiday', name: 'Quốc khánh (2/9)', source: LC, provisional: false },
      {
        date: '2024-09-03',
        kind: 'holiday',
        name: 'Quốc khánh (ngày liền kề 3/9)',
        source: S2024_TET_QK,
        provisional: false,
      },
    ],
  },
  {
    year: 2025,
    provisional: false,
    sources: [LC, S2025],
    note: 'Số hiệu Thông báo của Bộ LĐ-TB&XH cho năm 2025 chưa xác minh được (các ngày khớp Công văn 8726/VPCP-KGVX). Tết Ất Tỵ: nghỉ 25/01–02/02/2025 (5 ngày nghỉ chính thức 27–31/01 và 4 ngày cuối tuần); năm Giáp Thìn không có 30 tháng Chạp.',
    days: [
      { date: '2025-01-01', kind: 'holiday', name: 'Tết Dương lịch', source: S2025, provisional: false },
      {
        date: '2025-01-27',
        kind: 'holiday',
        name: 'Tết Nguyên Đán (28 tháng Chạp Giáp Thìn)',
        source: S2025,
        provisional: false,
      },
      {
        date: '2025-01-28',
        kind: 'holiday',
        name: 'Tết Nguyên Đán (29 tháng Chạp Giáp Thìn, giao thừa)',
        source: S2025,
        provisional: false,
      },
      {
        date: '2025-01-29',
        kind: 'holiday',
        name: 'Tết Nguyên Đán (mùng 1 tháng Giêng Ất Tỵ)',
        source: S2025,
        provisional: false,
      },
      {
        date: '2025-01-30',
        kind: 'holiday',
        name: 'Tết Nguyên Đán (mùng 2 tháng Giêng Ất Tỵ)',
        source: S2025,
        provisional: false,
      },
      {
        date: '2025-01-31',
        kind: 'holiday',
        name: 'Tết Nguyên Đán (mùng 3 tháng Giêng Ất Tỵ)',
        source: S2025,
        provisional: false,
      },
      {
        date: '2025-04-07',
        kind: 'holiday',
        name: 'Giỗ Tổ Hùng Vương (10/3 âm lịch)',
        source: S2025,
        provisional: false,
      },
      {
        date: '2025-04-26',
        kind: 'makeup_workday',
        name: 'Làm bù cho ngày thứ Sáu 02/5/2025',
        source: S2025,
        provisional: false,
      },
      {
        date: '2025-04-30',
        kind: 'holiday',
        name: 'Ngày Chiến thắng (30/4)',
        source: LC,
        provisional: false,
      },
      {
        date: '2025-05-01',
        kind: 'holiday',
        name: 'Ngày Quốc tế Lao động (1/5)',
        source: LC,
        provisional: false,
      },
      {
        date: '2025-05-02',
        kind: 'swap_off',
        name: 'Nghỉ hoán đổi dịp 30/4–1/5 (làm bù thứ Bảy 26/4/2025)',
        source: S2025,
        provisional: false,
      },
      {
        date: '2025-09-01',
        kind: 'holiday',
        name: 'Quốc khánh (ngày liền kề 1/9)',
        source: S2025,
        provisional: false,
      },
      { date: '2025-09-02', kind: 'holiday', name: 'Quốc khánh (2/9)', source: LC, provisional: false },
    ],
  },
  {
    year: 2026,
    provisional: false,
    sources: [LC, LC_COMP, S2026_NY, S2026_TET_QK],
    note: 'Ngày Văn hóa Việt Nam 24/11: Bộ Chính trị có chủ trương là ngày nghỉ lễ, nhưng Bộ luật Lao động chưa sửa đổi — chưa đưa vào lịch (thêm bằng bản cập nhật lịch khi có văn bản).',
    days: [
      { date: '2026-01-01', kind: 'holiday', name: 'Tết Dương lịch', source: LC, provisional: false },
      {
        date: '2026-01-02',
        kind: 'swap_off',
        name: 'Nghỉ hoán đổi dịp Tết Dương lịch (làm bù thứ Bảy 10/01/2026)',
        source: S2026_NY,
        provisional: false,
        note: NO_NUMBER,
      },
      {
        date: '2026-01-10',
        kind: 'makeup_workday',
        name: 'Làm bù cho ngày thứ Sáu 02/01/2026',
        source: S2026_NY,
        provisional: false,
        note: NO_NUMBER,
      },
      {
        date: '2026-02-16',
        kind: 'holiday',
        name: 'Tết Nguyên Đán (29 tháng Chạp Ất Tỵ, giao thừa)',
        source: S2026_TET_QK,
        provisional: false,
      },
      {
        date: '2026-02-17',
        kind: 'holiday',
        name: 'Tết Nguyên Đán (mùng 1 tháng Giêng Bính Ngọ)',
        source: S2026_TET_QK,
        provisional: false,
      },
      {
        date: '2026-02-18',
        kind: 'holiday',
        name: 'Tết Nguyên Đán (mùng 2 tháng Giêng Bính Ngọ)',
        source: S2026_TET_QK,
        provisional: false,
      },
      {
        date: '2026-02-19',
        kind: 'holiday',
        name: 'Tết Nguyên Đán (mùng 3 tháng Giêng Bính Ngọ)',
        source: S2026_TET_QK,
        provisional: false,
      },
      {
        date: '2026-02-20',
        kind: 'holiday',
        name: 'Tết Nguyên Đán (mùng 4 tháng Giêng Bính Ngọ)',
        source: S2026_TET_QK,
        provisional: false,
      },
      {
        date: '2026-04-26',
        kind: 'holiday',
        name: 'Giỗ Tổ Hùng Vương (10/3 âm lịch, trùng Chủ nhật)',
        source: LC,
        provisional: false,
      },
      {
        date: '2026-04-27',
        kind: 'compensatory',
        name: 'Nghỉ bù Giỗ Tổ Hùng Vương',
        source: LC_COMP,
        provisional: false,
        uncertain: true,
        note: 'Nghỉ bù theo Điều 111 khoản 3 (báo Thanh Niên 23/02/2026: nghỉ 25–27/4, 30/4–3/5). Chưa xác minh được có văn bản hoán đổi thêm ngày làm việc dịp 30/4/2026 hay không.',
      },
      {
        date: '2026-04-30',
        kind: 'holiday',
        name: 'Ngày Chiến thắng (30/4)',
        source: LC,
        provisional: false,
      },
      {
        date: '2026-05-01',
        kind: 'holiday',
        name: 'Ngày Quốc tế Lao động (1/5)',
        source: LC,
        provisional: false,
      },
      {
        date: '2026-08-22',
        kind: 'makeup_workday',
        name: 'Làm bù cho ngày thứ Hai 31/8/2026',
        source: S2026_TET_QK,
        provisional: false,
      },
      {
        date: '2026-08-31',
        kind: 'swap_off',
        name: 'Nghỉ hoán đổi dịp Quốc khánh (làm bù thứ Bảy 22/8/2026)',
        source: S2026_TET_QK,
        provisional: false,
      },
      {
        date: '2026-09-01',
        kind: 'holiday',
        name: 'Quốc khánh (ngày liền kề 1/9)',
        source: S2026_TET_QK,
        provisional: false,
      },
      { date: '2026-09-02', kind: 'holiday', name: 'Quốc khánh (2/9)', source: LC, provisional: false },
    ],
  },
];
