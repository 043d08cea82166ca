import { describe, expect, it } from 'vitest';
import {
  controlSlipContent,
  draftApologyContent,
  issuedApologyContent,
  letterContentSchema,
  newAppointmentProblems,
  receiptContent,
} from '../../domain/letters';
import { renderLetter } from '../../services/letters/render';
import { completeStep, handOff, stateAfter, supplementRequested } from '../lifecycle/fixtures';
import { extractPdf, squash } from './pdf-text';

const names = {
  issuingAgency: {
    code: 'X-AN-BINH',
    name: 'Bộ phận Một cửa UBND xã An Bình',
    parentName: 'UBND huyện Đắk Mil',
  },
  procedureName: 'Đăng ký kết hôn',
  place: 'An Bình',
  signer: { title: 'Chủ tịch', name: 'Phạm Thị Ngọc Bích' },
};

describe('letters composed from a dossier', () => {
  it('drafts an apology in the form of the rule-set at receipt, then issues it numbered with the edits', async () => {
    const state = stateAfter(handOff('2026-11-02T02:00:00.000Z'));
    const draft = draftApologyContent(state, names, {
      faultParty: 'desk',
      reason: 'Công chức tiếp nhận chuyển hồ sơ chậm',
      newDueAt: '2026-11-12T09:00:00.000Z',
      draftedAt: '2026-11-06T02:00:00.000Z',
    });
    expect(draft).toMatchObject({ formId: 'tt03-2025/mau-04', draft: true, number: null });
    expect(draft.originalDueAt).toBe(state.originalDueAt);
    expect(letterContentSchema.parse(draft)).toEqual(draft);

    const issued = issuedApologyContent(draft, {
      number: 7,
      issuedAt: '2026-11-06T03:00:00.000Z',
      reason: 'Công chức tiếp nhận chuyển hồ sơ chậm một ngày',
    });
    expect(issued).toMatchObject({ draft: false, number: 7, newDueAt: draft.newDueAt });
    const { text } = await extractPdf((await renderLetter(issued)).bytes);
    expect(squash(text)).toContain(squash('Số: 7/PXL-X-AN-BINH'));
    expect(squash(text)).toContain(squash('Lý do: Công chức tiếp nhận chuyển hồ sơ chậm một ngày'));
    expect(squash(text)).toContain(squash('Nguyễn Thị An'));
  });

  it('uses the 2018 form for a dossier received before 1 July 2025 even when it apologises later', () => {
    const state = { ...stateAfter(), receivedAt: '2025-06-30T09:00:00.000Z' };
    const draft = draftApologyContent(state, names, {
      faultParty: 'processing_agency',
      reason: 'x',
      newDueAt: '2026-11-12T09:00:00.000Z',
      draftedAt: '2026-11-06T02:00:00.000Z',
    });
    expect(draft.formId).toBe('tt01-2018/mau-04');
  });

  it('dates the receipt at receipt, with the appointment given then', () => {
    const state = stateAfter();
    const c = receiptContent(state, names);
    expect(c).toMatchObject({
      formId: 'tt03-2025/mau-01',
      dueAt: state.originalDueAt,
      issuedAt: state.receivedAt,
    });
    expect(letterContentSchema.safeParse(c).success).toBe(true);
  });

  it('lists every timeline entry of the dossier on the control slip', async () => {
    const state = stateAfter(
      handOff('2026-11-02T02:00:00.000Z'),
      completeStep('2026-11-03T02:00:00.000Z'),
      supplementRequested('2026-11-03T03:00:00.000Z'),
    );
    const c = controlSlipContent(
      state,
      { ...names, agencyName: (code) => (code === 'X-AN-BINH' ? 'UBND xã An Bình' : undefined) },
      '2026-11-04T01:00:00.000Z',
    );
    expect(c.entries.map((e) => e.seq)).toEqual(state.timeline.map((e) => e.seq));
    const { text } = await extractPdf((await renderLetter(c)).bytes);
    for (const label of [
      'Tiếp nhận hồ sơ',
      'Chuyển hồ sơ',
      'Hoàn thành bước xử lý',
      'Yêu cầu bổ sung hồ sơ',
    ]) {
      expect(squash(text)).toContain(squash(label));
    }
    expect(squash(text)).toContain(squash('Trần Văn Bình (Chuyên viên)'));
    expect(c).toMatchObject({ processingAgencyName: 'UBND xã An Bình', coordinatingAgencyNames: ['T-MAU'] });
    expect(squash(text)).toContain(squash('Cơ quan (bộ phận) giải quyết hồ sơ: UBND xã An Bình'));
    expect(squash(text)).toContain(squash('Cơ quan phối hợp giải quyết hồ sơ: T-MAU'));
  });

  it('refuses a new appointment that is not after the original one or the letter', () => {
    expect(
      newAppointmentProblems({
        originalDueAt: '2026-11-09T01:00:00.000Z',
        newDueAt: '2026-11-08T01:00:00.000Z',
        issuedAt: '2026-11-08T02:00:00.000Z',
      }).map((p) => p.code),
    ).toEqual(['not_after_original_due', 'not_after_issue']);
    expect(
      newAppointmentProblems({
        originalDueAt: '2026-11-09T01:00:00.000Z',
        newDueAt: '2026-11-12T01:00:00.000Z',
        issuedAt: '2026-11-06T02:00:00.000Z',
      }),
    ).toEqual([]);
  });
});
