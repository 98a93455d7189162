export { assetFacts, assetProblem } from './check-asset.js';
export { checkUpload } from './check-upload.js';
export { type TaskError, uploadProblem } from './upload-requirements.js';
export {
  type CreateUploadTask,
  TASKS_DIR,
  type UploadTask,
  UploadTaskQueue,
  type UploadTaskQueueOptions,
  type UploadTaskStatus,
} from './upload-tasks.js';
