import '#shared/runtime/source-mapped';
import { FN } from '#shared/contracts/names';
import { scheduledHandler } from '#shared/runtime/handler';

export const handler = scheduledHandler(FN.agentStatus);
