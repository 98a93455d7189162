// Summarizes a V8 .cpuprofile (from `node --cpu-prof`): self time per function and per
// script, the top N of each, as JSON. `node bench/profile-summary.mjs FILE.cpuprofile [N]`
import { readFile } from 'node:fs/promises';

const [file, topText = '25'] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: node bench/profile-summary.mjs FILE.cpuprofile [N]');
const profile = JSON.parse(await readFile(file, 'utf8'));
const top = Number(topText);
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const self = new Map();
const deltas = profile.timeDeltas;
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (deltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const functions = new Map();
const scripts = new Map();
for (const [id, micros] of self) {
  const { callFrame } = byId.get(id);
  const script = callFrame.url.replace(/^file:\/\//, '').replace(/.*node_modules\//, 'node_modules/') || '(native/vm)';
  const name = `${callFrame.functionName || '(anonymous)'} ${script}:${callFrame.lineNumber + 1}`;
  functions.set(name, (functions.get(name) ?? 0) + micros);
  scripts.set(script, (scripts.get(script) ?? 0) + micros);
}
const rank = (map) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, micros]) => ({ name, ms: +(micros / 1000).toFixed(1), share: +(micros / total).toFixed(3) }));
process.stdout.write(
  `${JSON.stringify({ totalMs: +(total / 1000).toFixed(1), functions: rank(functions), scripts: rank(scripts) }, null, 2)}\n`,
);
