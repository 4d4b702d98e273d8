import { runAgentStatus } from '#shared/agent-run';
import { scheduledHandler } from '#shared/handler';

export const handler = scheduledHandler('agent-status', runAgentStatus);
