// Runs a library's upload-task queue in its own process, so a test can SIGKILL it mid-task.
// Usage: node test/tasks/queue-child.mjs <libDir> [file] (over dist/: build first); with a file it creates a task and
// prints its id first; it prints the task list as JSON when the queue is idle, then exits.
import { TwelveLabsClient } from '../../dist/embed/index.js';
import { openLibrary } from '../../dist/library/index.js';
import { UploadTaskQueue } from '../../dist/tasks/index.js';

const [dir, file] = process.argv.slice(2);
if (dir === undefined) throw new Error('usage: queue-child.mjs <libDir> [file]');
const client = new TwelveLabsClient({
  apiKey: process.env['TWELVELABS_API_KEY'] ?? '',
  baseUrl: process.env['TWELVELABS_BASE_URL'] ?? '',
  env: {},
  retryBaseDelayMs: 20,
  retryMaxDelayMs: 200,
});
const lib = await openLibrary(dir, { create: true, client });
const queue = await UploadTaskQueue.open(lib, { model: 'Marengo-retrieval-2.7', clipLengthSec: 2 });
if (file !== undefined) process.stdout.write(`${(await queue.create({ file, userMetadata: { shelf: 'a' } })).id}\n`);
await queue.idle();
process.stdout.write(`${JSON.stringify(queue.list())}\n`);
await lib.close();
await client.close();
