import { FN } from '#shared/contracts/names';
import { runPreviewTasks } from '#shared/run/preview-tasks';
import { scheduledHandler } from '#shared/runtime/handler';

export const handler = scheduledHandler(FN.previewTasks, runPreviewTasks);
