import { runPreviewTasks } from '#shared/task-run';
import { scheduledHandler } from '#shared/handler';

export const handler = scheduledHandler('preview-tasks', runPreviewTasks);
