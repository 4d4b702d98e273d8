import { runAgentStatus } from '#shared/run/agent-status';
import { scheduledHandler } from '#shared/runtime/handler';

export const handler = scheduledHandler('agent-status', runAgentStatus);
