import type { Notice } from '#shared/model/items';

/** 2025-11-26 01:00 UTC: when the sample alert's break began. */
export const T0 = Date.UTC(2025, 10, 26, 1, 0);

/** A critical "Alice Chen on break 17m" alert notice, as the delivery tests send it; `over` changes any field. */
export const agentNotice = (over: Partial<Notice> = {}): Notice => ({
  status: 'firing',
  severity: 'critical',
  kind: 'agent',
  source: 'hw-main',
  subjectId: '1001',
  subjectName: 'Alice Chen',
  ruleId: 'long-break',
  episodeId: 'K7M2QX',
  step: 1,
  startedAt: T0,
  forSec: 17 * 60,
  agent: { groups: ['hotline'], state: 'break', vendorState: 'break', reason: 'Meal' },
  ...over,
});
