import { dotProduct } from './dot-product.js';
import { GraphLevel0 } from './graph-level0.js';
import { exactNeighbourhoods } from './query-neighbourhoods.js';

export interface CrossModalEdgeOptions {
  /** Most projected links a point keeps (after pruning). */
  degree: number;
  /**
   * Level-0 slots projected links may take from the HNSW links when a list is full; 0 only
   * fills free slots.
   */
  reserve: number;
}

export interface CrossModalEdgeReport {
  /** Points that received at least one projected link. */
  points: number;
  /** Projected links written (not counting those the graph already had). */
  added: number;
  /** HNSW links given up for them. */
  displaced: number;
}

/**
 * RoarGraph's projection (Chen et al., VLDB 2024) onto an HNSW graph's level 0: each training
 * query's exact neighbours (graph point ids, nearest first, `k` per query) are linked from the
 * nearest one (the hub) to the others, pruned as HNSW prunes (a candidate closer to a kept link
 * than to the hub is left out), with the reverse links; a point over `degree` is pruned again.
 * A cross-modal query's neighbours lie far apart in the base space, so the base graph rarely
 * links them; once a search reaches one, these links lead it to the rest.
 */
export function addCrossModalEdges(
  graph: GraphLevel0,
  neighbourhoods: Uint32Array,
  k: number,
  options: CrossModalEdgeOptions,
): CrossModalEdgeReport {
  const projected = new Map<number, number[]>();
  const link = (from: number, to: number): void => {
    const list = projected.get(from);
    if (list === undefined) projected.set(from, [to]);
    else if (!list.includes(to)) list.push(to);
  };
  const queries = Math.floor(neighbourhoods.length / k);
  for (let q = 0; q < queries; q++) {
    const hub = neighbourhoods[q * k] as number;
    const kept = prune(graph, hub, Array.from(neighbourhoods.subarray(q * k + 1, (q + 1) * k)), options.degree);
    for (const to of kept) {
      link(hub, to);
      link(to, hub);
    }
  }
  const report: CrossModalEdgeReport = { points: projected.size, added: 0, displaced: 0 };
  for (const [point, list] of projected) {
    const chosen = list.length > options.degree ? prune(graph, point, list, options.degree) : list;
    const current = Array.from(graph.links(point));
    const fresh = chosen.filter((to) => !current.includes(to));
    const free = graph.maxLinks - current.length;
    const slots = Math.min(fresh.length, Math.max(free, options.reserve));
    const keep = Math.min(current.length, graph.maxLinks - slots);
    graph.setLinks(point, [...current.slice(0, keep), ...fresh.slice(0, slots)]);
    report.added += slots;
    report.displaced += current.length - keep;
  }
  return report;
}

/** HNSW's neighbour heuristic around `center`: nearest first, dropping candidates a kept one covers. */
function prune(graph: GraphLevel0, center: number, candidates: readonly number[], degree: number): number[] {
  const { vectors, dimension } = graph;
  const at = graph.vectorAt(center);
  const ranked = candidates
    .filter((c) => c !== center)
    .map((c) => ({ c, similarity: dotProduct(vectors, at, vectors, graph.vectorAt(c), dimension) }))
    .sort((a, b) => b.similarity - a.similarity);
  const kept: number[] = [];
  for (const { c, similarity } of ranked) {
    if (kept.length >= degree) break;
    const from = graph.vectorAt(c);
    if (kept.every((r) => dotProduct(vectors, from, vectors, graph.vectorAt(r), dimension) < similarity)) kept.push(c);
  }
  return kept;
}

/** What a graph's projected links were made from, as the sidecar records it. */
export interface CrossModalEdgesRecord {
  /** Training queries (cached text, image and audio embeddings) the links were projected from. */
  queries: number;
  /** Exact neighbours taken per query. */
  k: number;
  /** Most projected links per point. */
  degree: number;
  /** Points in the graph when the links were added (a graph extended since has points without them). */
  graphPoints: number;
  /** Points that received links, and links written. */
  linkedPoints: number;
  links: number;
}

/** Measured on xmodal-50k-1024 (bench/results/xmodal-roar.md): 100 neighbours, 16 links, free slots only. */
const PROJECTION = { k: 100, degree: 16, reserve: 0 } as const;

/**
 * Adds the links projected from `queries` (flat, unit vectors) to a graph file held in
 * memory, in place; the caller writes it back and checks it.
 */
export function projectQueryEdges(file: Buffer, queries: Float32Array): CrossModalEdgesRecord {
  const graph = new GraphLevel0(file);
  const queryCount = Math.floor(queries.length / graph.dimension);
  const neighbourhoods = exactNeighbourhoods(graph, queries, PROJECTION.k);
  const report = addCrossModalEdges(graph, neighbourhoods, PROJECTION.k, PROJECTION);
  return {
    queries: queryCount,
    k: PROJECTION.k,
    degree: PROJECTION.degree,
    graphPoints: graph.count,
    linkedPoints: report.points,
    links: report.added,
  };
}
