/**
 * Statutory days off computed from the Labour Code 2019 (Bộ luật Lao động 2019) for years
 * without an official schedule. Every day produced here is `provisional: true`: the
 * government's yearly announcement (swaps, make-up Saturdays, the choice of the day
 * adjacent to 2/9, the exact 5 Tết days) can differ.
 *
 * Baseline conventions:
 * - Tết Nguyên Đán: the last day of the lunar year + the first 4 days of the new year;
 * - Quốc khánh: 2/9 + one adjacent day (Decree 145/2020 Art. 62: 1/9 or 3/9, chosen by
 *   the Prime Minister); we pick the day that joins the weekend (3/9 when 2/9 is a Monday,
 *   Thursday or Sunday, else 1/9), following 2021–2026 practice;
 * - a holiday falling on Saturday/Sunday gives a compensatory day on the next working
 *   day (Art. 111(3)).
 */
import { hungKingsDay, lunarYearName, tetDay, toLunar } from './lunar';
import { epochDayFromYmd, isoDateOf, isoWeekday } from './time';
import type { CalendarDay, YearSchedule } from './types';

const RULE_SOURCE = 'Tính theo Bộ luật Lao động 2019 Điều 112 (chưa có thông báo chính thức của năm)';
const COMP_SOURCE = 'Tính theo Bộ luật Lao động 2019 Điều 111 khoản 3 (chưa có thông báo chính thức của năm)';

const LUNAR_DAY_NAMES = ['mùng 1', 'mùng 2', 'mùng 3', 'mùng 4'];

function isWeekend(day: number): boolean {
  return isoWeekday(day) >= 6;
}

export function statutoryYear(year: number): YearSchedule {
  const holidays: { day: number; name: string }[] = [];
  holidays.push({ day: epochDayFromYmd(year, 1, 1), name: 'Tết Dương lịch' });

  const tet = tetDay(year);
  const eve = toLunar(tet - 1);
  holidays.push({
    day: tet - 1,
    name: `Tết Nguyên Đán (${eve.day} tháng Chạp ${lunarYearName(year - 1)}, giao thừa)`,
  });
  for (let i = 0; i < 4; i++) {
    holidays.push({
      day: tet + i,
      name: `Tết Nguyên Đán (${LUNAR_DAY_NAMES[i]} tháng Giêng ${lunarYearName(year)})`,
    });
  }
  holidays.push({ day: hungKingsDay(year), name: 'Giỗ Tổ Hùng Vương (10/3 âm lịch)' });
  holidays.push({ day: epochDayFromYmd(year, 4, 30), name: 'Ngày Chiến thắng (30/4)' });
  holidays.push({ day: epochDayFromYmd(year, 5, 1), name: 'Ngày Quốc tế Lao động (1/5)' });
  const nd = epochDayFromYmd(year, 9, 2);
  const ndWeekday = isoWeekday(nd);
  const adjacentAfter = ndWeekday === 1 || ndWeekday === 4 || ndWeekday === 7;
  const adjacent = adjacentAfter ? nd + 1 : nd - 1;
  holidays.push({ day: nd, name: 'Quốc khánh (2/9)' });
  holidays.push({ day: adjacent, name: `Quốc khánh (ngày liền kề ${adjacentAfter ? '3/9' : '1/9'})` });
  holidays.sort((a, b) => a.day - b.day);

  const taken = new Set(holidays.map((h) => h.day));
  const days: CalendarDay[] = holidays.map((h) => ({
    date: isoDateOf(h.day),
    kind: 'holiday',
    name: h.name,
    source: RULE_SOURCE,
    provisional: true,
  }));
  for (const h of holidays) {
    if (!isWeekend(h.day)) continue;
    let c = h.day + 1;
    while (isWeekend(c) || taken.has(c)) c++;
    taken.add(c);
    days.push({
      date: isoDateOf(c),
      kind: 'compensatory',
      name: `Nghỉ bù ${h.name}`,
      source: COMP_SOURCE,
      provisional: true,
    });
  }
  days.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  return { year, provisional: true, sources: [RULE_SOURCE, COMP_SOURCE], days };
}
