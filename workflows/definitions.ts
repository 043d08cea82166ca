import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Channel } from '../domain/dossier';

export interface DossierWorkflowInput {
  code: string;
  procedureCode: string;
  agencyCode: string;
  channel: Channel;
  applicantName: string;
  receivedAt: string;
}

export type DossierPhase = 'received' | 'completed';

/** What the workflow knows about its dossier; returned by queries and updates. */
export interface DossierSnapshot {
  code: string;
  workflowId: string;
  procedureCode: string;
  agencyCode: string;
  channel: Channel;
  applicantName: string;
  status: DossierPhase;
  receivedAt: string;
  dueAt?: string;
  warningAt?: string;
  calendarVersion?: string;
  provisionalCalendar?: boolean;
  completedAt?: string;
  outcome?: 'early' | 'on_time' | 'late';
  lastSeq: number;
}

export interface CompleteCommand {
  /** Instant the result was finished, set by the caller (workflows read no clock). */
  completedAt: string;
  actor?: string;
}

export const dossierStateQuery = defineQuery<DossierSnapshot>('dossierState');
/** Resolves once the appointment (Mẫu 01: hẹn trả kết quả) is known. */
export const appointmentUpdate = defineUpdate<DossierSnapshot>('appointment');
export const completeUpdate = defineUpdate<DossierSnapshot, [CompleteCommand]>('complete');
