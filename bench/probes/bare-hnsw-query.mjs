// The reference for "library open time" and memory: a script that only reads an HNSW file
// with hnswlib-node and answers one query. Spawned by bench/suite/open-memory.mjs.
// ADDON is the module to load as hnswlib-node (a path; default the stock package), so the
// reference runs the same compiled addon vsearch does.
// usage: node bench/probes/bare-hnsw-query.mjs GRAPH_FILE DIMENSION VECTOR_JSON_FILE EF K [ADDON]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const [graph, dimension, vectorFile, ef, k, addon = 'hnswlib-node'] = process.argv.slice(2);
const hnswlib = createRequire(import.meta.url)(addon);
const index = new hnswlib.HierarchicalNSW('cosine', Number(dimension));
await index.readIndex(graph);
index.setEf(Number(ef));
const query = JSON.parse(readFileSync(vectorFile, 'utf8'));
const { neighbors } = index.searchKnn(query, Number(k));
const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
process.stdout.write(`${JSON.stringify({ neighbors, memory: { rss, heapUsed, external, arrayBuffers } })}\n`);
