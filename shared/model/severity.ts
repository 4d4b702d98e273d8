import * as z from 'zod';

/** How bad an alert is; channels subscribe by severity. */
export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export const SeveritySchema = z.enum(SEVERITIES);
export type Severity = z.infer<typeof SeveritySchema>;
