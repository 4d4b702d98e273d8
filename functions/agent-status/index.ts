import { FN } from '#shared/contracts/names';
import { runAgentStatus } from '#shared/run/agent-status';
import { scheduledHandler } from '#shared/runtime/handler';

export const handler = scheduledHandler(FN.agentStatus, runAgentStatus);
