import { runPreviewTasks } from '#shared/run/preview-tasks';
import { scheduledHandler } from '#shared/runtime/handler';

export const handler = scheduledHandler('preview-tasks', runPreviewTasks);
