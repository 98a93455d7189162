export { TASKS_DIR, UploadTaskQueue, type CreateUploadTask, type UploadTask, type UploadTaskQueueOptions, type UploadTaskStatus } from './upload-tasks.js';
export { MARENGO_VIDEO, uploadProblem, type TaskError } from './upload-requirements.js';
export { checkUpload, type UploadCheck, type UploadFacts } from './check-upload.js';
