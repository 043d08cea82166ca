import { describe, expect, it } from 'vitest';
import { defaultCalendar } from '../../domain/calendar';
import type { DossierEvent } from '../../domain/events';
import type { DossierState } from '../../domain/lifecycle';
import { RULE_SETS } from '../../domain/rulesets';
import {
  faultPartyOf,
  issuingAgencyOf,
  pinnedLetterRuleSet,
  placeOf,
  proposeNewDueAt,
  ruleSetOf,
} from '../../services/letters/apology';
import { noticeText } from '../../services/letters/notices';

/** Received Mon 2 Nov 2026 08:00, 5 working days → due Mon 9 Nov 08:00 (Vietnam time). */
function dossier(overrides: Partial<DossierState> = {}): DossierState {
  return {
    code: 'H15.22-261102-0001',
    workflowId: 'dossier-H15.22-261102-0001',
    procedureCode: 'MAU-DANG-KY-KET-HON',
    agencyCode: 'X-DAK-LAK',
    channel: 'direct',
    applicantName: 'Đặng Thị Ngọc Hằng',
    status: 'received',
    receivedAt: '2026-11-02T01:00:00.000Z',
    dueAt: '2026-11-09T01:00:00.000Z',
    warningAt: '2026-11-06T01:00:00.000Z',
    originalDueAt: '2026-11-09T01:00:00.000Z',
    calendarVersion: 'vn-test',
    provisionalCalendar: false,
    steps: [],
    currentStep: null,
    currentAgencyCode: 'X-DAK-LAK',
    participants: ['X-DAK-LAK'],
    pauses: [],
    dueSoon: false,
    overdue: true,
    delayReports: [],
    supplementRequests: 0,
    digitization: { components: [], result: false },
    payments: [],
    timeline: [],
    lastSeq: 3,
    ...overrides,
  } as DossierState;
}

describe('the new appointment a draft apology proposes', () => {
  const calendar = defaultCalendar();
  const overdueAt = '2026-11-30T03:00:00.000Z'; // Mon 30 Nov 10:00

  it('is the original deadline length again (5 working days) from the overdue event', () => {
    expect(proposeNewDueAt(calendar, dossier(), overdueAt)).toBe('2026-12-07T03:00:00.000Z');
  });

  it('counts from the current due instant when the warning fires before it', () => {
    const dueSoonAt = '2026-11-06T01:00:00.000Z';
    expect(proposeNewDueAt(calendar, dossier(), dueSoonAt)).toBe('2026-11-16T01:00:00.000Z');
  });

  it('uses the configured working days when set', () => {
    expect(proposeNewDueAt(calendar, dossier(), overdueAt, { workingDays: 2 })).toBe(
      '2026-12-02T03:00:00.000Z',
    );
  });

  it('takes the reported date when it is after the current due instant, and ignores it otherwise', () => {
    const reported = '2026-12-04T08:00:00.000Z';
    expect(proposeNewDueAt(calendar, dossier(), overdueAt, { reportedDueAt: reported })).toBe(reported);
    expect(
      proposeNewDueAt(calendar, dossier(), overdueAt, { reportedDueAt: '2026-11-05T01:00:00.000Z' }),
    ).toBe('2026-12-07T03:00:00.000Z');
  });

  it('leaves supplement pauses out of the original length', () => {
    // One working day paused (Tue 3 Nov 08:00 → Wed 4 Nov 08:00) moved the legal due by a day.
    const paused = dossier({
      pauses: [{ start: '2026-11-03T01:00:00.000Z', end: '2026-11-04T01:00:00.000Z' }],
      dueAt: '2026-11-10T01:00:00.000Z',
      originalDueAt: '2026-11-10T01:00:00.000Z',
    });
    expect(proposeNewDueAt(calendar, paused, overdueAt)).toBe('2026-12-07T03:00:00.000Z');
  });
});

describe('who is at fault and who apologises', () => {
  it('is the desk when the dossier never left it, and the desk issues', () => {
    const s = dossier();
    expect(faultPartyOf(s)).toBe('desk');
    expect(issuingAgencyOf(s, 'desk')).toBe('X-DAK-LAK');
  });

  it('is the processing agency holding the dossier once a step started', () => {
    const s = dossier({ currentStep: 1, currentAgencyCode: 'P-TNMT' });
    expect(faultPartyOf(s)).toBe('processing_agency');
    expect(issuingAgencyOf(s, 'processing_agency')).toBe('P-TNMT');
    expect(issuingAgencyOf(s, 'desk')).toBe('X-DAK-LAK');
  });

  it('follows the latest delay report', () => {
    const s = dossier({
      currentStep: 1,
      delayReports: [
        {
          at: '2026-11-05T01:00:00Z',
          reason: 'x',
          proposedDueAt: '2026-11-20T01:00:00Z',
          faultParty: 'desk',
        },
      ],
    });
    expect(faultPartyOf(s)).toBe('desk');
    expect(faultPartyOf(s, 'other_agency')).toBe('other_agency');
  });
});

describe('letter helpers', () => {
  it('prints the form of the rule-set pinned at receipt, even when the receipt date says otherwise', () => {
    const nd61 = RULE_SETS.find((r) => r.id === 'nd-61-2018')!;
    const pinned = dossier({
      rules: { deadline: { amount: 5, unit: 'working_days' }, ruleSet: nd61 },
    } as Partial<DossierState>);
    expect(ruleSetOf(pinned)).toBe('tt01-2018');
    expect(ruleSetOf(dossier())).toBe('tt03-2025');
  });

  it('reads the place of the date line from the agency name', () => {
    expect(placeOf('Bộ phận Một cửa UBND xã Đắk Lắk')).toBe('Đắk Lắk');
    expect(placeOf('Ủy ban nhân dân phường Bến Nghé (test)')).toBe('Bến Nghé');
    expect(placeOf('Sở Tư pháp')).toBe('Sở Tư pháp');
  });

  it('maps the legal rule-set pinned on dossier.received to the letters’ rule-set', () => {
    const [nd61, nd118] = [
      RULE_SETS.find((r) => r.id === 'nd-61-2018')!,
      RULE_SETS.find((r) => r.id === 'nd-118-2025')!,
    ];
    expect(pinnedLetterRuleSet(nd61)).toBe('tt01-2018');
    expect(pinnedLetterRuleSet(nd118)).toBe('tt03-2025');
    expect(pinnedLetterRuleSet({ id: 'tt03-2025', effectiveFrom: '' })).toBe('tt03-2025');
    expect(pinnedLetterRuleSet(undefined)).toBeUndefined();
  });
});

describe('applicant notice texts', () => {
  const facts = {
    dossierCode: 'H15.22-261102-0001',
    applicantName: 'Đặng Thị Ngọc Hằng',
    agencyName: 'Bộ phận Một cửa UBND xã Đắk Lắk',
    procedureName: 'Đăng ký kết hôn',
  };
  const envelope = {
    id: 'H15.22-261102-0001:1',
    dossierCode: facts.dossierCode,
    workflowId: 'dossier-H15.22-261102-0001',
    seq: 1,
    occurredAt: '2026-11-02T01:00:00.000Z',
    version: 1 as const,
  };
  const actor = { id: 'k1', role: 'intake' as const, agencyCode: 'X-DAK-LAK' };

  it('gives the appointment on receipt', () => {
    const event = {
      ...envelope,
      type: 'dossier.received',
      payload: {
        procedureCode: 'MAU-DANG-KY-KET-HON',
        agencyCode: 'X-DAK-LAK',
        channel: 'direct',
        applicantName: facts.applicantName,
        receivedAt: '2026-11-02T01:00:00.000Z',
        dueAt: '2026-11-09T01:00:00.000Z',
        warningAt: '2026-11-06T01:00:00.000Z',
        calendarVersion: 'v',
        steps: [],
      },
    } as DossierEvent;
    const n = noticeText(event, facts)!;
    expect(n.subject).toBe('Hồ sơ H15.22-261102-0001 đã được tiếp nhận');
    expect(n.text).toContain('Kính gửi Ông/Bà Đặng Thị Ngọc Hằng,');
    expect(n.text).toContain('Ngày hẹn trả kết quả: 08 giờ 00 phút, ngày 09 tháng 11 năm 2026.');
  });

  it('lists every item to supplement', () => {
    const event = {
      ...envelope,
      type: 'dossier.supplement_requested',
      payload: {
        reason: 'Thiếu giấy tờ',
        items: ['Bản sao căn cước', 'Giấy xác nhận tình trạng hôn nhân'],
        actor,
      },
    } as DossierEvent;
    const n = noticeText(event, facts)!;
    expect(n.subject).toBe('Hồ sơ H15.22-261102-0001 cần bổ sung, hoàn thiện');
    expect(n.text).toContain('- Bản sao căn cước\n- Giấy xác nhận tình trạng hôn nhân');
    expect(n.data).toMatchObject({
      kind: 'supplement_needed',
      items: ['Bản sao căn cước', 'Giấy xác nhận tình trạng hôn nhân'],
    });
  });

  it('has no notice for other events', () => {
    const event = {
      ...envelope,
      type: 'dossier.digitized',
      payload: { components: ['a'], result: false, actor },
    } as DossierEvent;
    expect(noticeText(event, facts)).toBeUndefined();
  });
});
