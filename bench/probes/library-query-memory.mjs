// Resident size of an open library: opens it through the public entry point, answers one
// vector query, and prints process.memoryUsage(). Spawned by bench/suite/open-memory.mjs.
// usage: node bench/probes/library-query-memory.mjs LIBRARY_DIR VECTOR_JSON_FILE K
import { readFileSync } from 'node:fs';
import { openLibrary } from '../../dist/vsearch.js';

const [dir, vectorFile, k] = process.argv.slice(2);
const lib = await openLibrary(dir);
const response = await lib.search({ vector: JSON.parse(readFileSync(vectorFile, 'utf8')), pageLimit: Number(k) });
const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
process.stdout.write(
  `${JSON.stringify({ hits: response.data.length, memory: { rss, heapUsed, external, arrayBuffers } })}\n`,
);
await lib.close();
