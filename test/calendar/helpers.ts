import { formatVietnamInstant } from '../../domain/calendar/index';

/** Local Vietnam time 'YYYY-MM-DD HH:mm' (or with :ss) → Date. */
export function vn(local: string): Date {
  const [date, time = '00:00'] = local.split(' ');
  const t = time.length === 5 ? `${time}:00` : time;
  return new Date(`${date}T${t}+07:00`);
}

/** Date → 'YYYY-MM-DD HH:mm' in Vietnam local time (seconds when non-zero). */
export function fmt(d: Date): string {
  const s = formatVietnamInstant(d).replace('+07:00', '');
  const [date, time] = s.split('T');
  return `${date} ${time!.endsWith(':00') && time!.length === 8 ? time!.slice(0, 5) : time}`;
}
