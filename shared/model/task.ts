/** ITNIO preview-dialer vocabulary [C]: contact and task status codes. */

/** Contact status codes: 1 in progress, 5 not called, 7 abnormal ("call abnormal"), 9 called. */
export const CONTACT_STATUS = { inProgress: 1, notCalled: 5, abnormal: 7, called: 9 } as const;

/** Task status codes; 11 "calling" is the running state. */
export const TASK_STATUS = {
  enabled: 1,
  disabled: 2,
  calling: 11,
  completed: 12,
  submitFailed: 13,
  cancelled: 14,
  suspended: 15,
  submitting: 16,
} as const;

/** Contacts of one status in a task's counts (keyed by the status code as a string). */
export function contactCount(counts: Readonly<Record<string, number>>, status: number): number {
  return counts[String(status)] ?? 0;
}

/** A preview-task contact with the called number already masked: raw numbers never leave the adapter. */
export interface TaskContact {
  id: string;
  calledMasked: string;
  status: number;
  errorReason?: string;
  agentName?: string;
}

/** ITNIO taskStatus codes [C], for notes people read. */
export const TASK_STATUS_NAMES: Record<number, string> = {
  1: 'enabled',
  2: 'disabled',
  11: 'calling',
  12: 'completed',
  13: 'submit failed',
  14: 'cancelled',
  15: 'suspended',
  16: 'submitting',
};
