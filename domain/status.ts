/*
 * Vòng đời hồ sơ, its statuses: received → processing ⇄ waiting_supplement → result_ready →
 * returned; side exits rejected and withdrawn.
 */

export type DossierStatus =
  | 'received'
  | 'processing'
  | 'waiting_supplement'
  | 'result_ready'
  | 'returned'
  | 'rejected'
  | 'withdrawn';

export const TERMINAL_STATUSES: readonly DossierStatus[] = ['returned', 'rejected', 'withdrawn'];
/** Pending dossiers are "in time" or "overdue"; result_ready and later are resolved. */
export const PENDING_STATUSES: readonly DossierStatus[] = ['received', 'processing', 'waiting_supplement'];

export const isTerminal = (status: DossierStatus): boolean => TERMINAL_STATUSES.includes(status);
export const isPending = (status: DossierStatus): boolean => PENDING_STATUSES.includes(status);

export const statusLabel: Record<DossierStatus, string> = {
  received: 'đã tiếp nhận',
  processing: 'đang xử lý',
  waiting_supplement: 'đang chờ bổ sung',
  result_ready: 'đã có kết quả',
  returned: 'đã trả kết quả',
  rejected: 'đã bị từ chối',
  withdrawn: 'đã rút',
};
