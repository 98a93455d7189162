// The reference for "library open time" and memory: a script that only reads an HNSW file
// with hnswlib-node and answers one query. Spawned by bench/suite/open-memory.mjs.
// usage: node bench/probes/bare-hnsw-query.mjs GRAPH_FILE DIMENSION VECTOR_JSON_FILE EF K
import { readFileSync } from 'node:fs';
import hnswlib from 'hnswlib-node';

const [graph, dimension, vectorFile, ef, k] = process.argv.slice(2);
const index = new hnswlib.HierarchicalNSW('cosine', Number(dimension));
await index.readIndex(graph);
index.setEf(Number(ef));
const query = JSON.parse(readFileSync(vectorFile, 'utf8'));
const { neighbors } = index.searchKnn(query, Number(k));
const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
process.stdout.write(`${JSON.stringify({ neighbors, memory: { rss, heapUsed, external, arrayBuffers } })}\n`);
