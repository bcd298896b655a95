// NAS-Bench-101-style cells (musco.md §2.10, thesis Fig. 3.1): a network is described by an
// upper-triangular adjacency matrix over at most 7 nodes (node 0 the input, the last the output,
// up to 5 operations between), the list of its nodes' operations and a configuration (here the
// channel count). Each description has a stable hash of its pruned form: the same cell always
// hashes the same, but two isomorphic descriptions (the same graph with its op nodes numbered in
// another order) hash differently: no graph canonicalisation is attempted, as a measured dataset
// only needs "same description, same row".
import { createHash } from "node:crypto";
import { fail } from "../errors";
import { rng, type Rng } from "../random";

/** The operations of NAS-Bench-101; each convolution is conv → BatchNorm → ReLU, as there. */
export const OPS = ["conv3x3", "conv1x1", "maxpool3x3"] as const;
export type Op = (typeof OPS)[number];
export type NodeKind = "input" | "output" | Op;

/** NAS-Bench-101's limits: 7 nodes, 9 edges. */
export const MAX_NODES = 7;
export const MAX_EDGES = 9;
/** The input the cells are built for (CIFAR-sized images). */
export const INPUT_SHAPE = [32, 32, 3] as const;
/** The channel counts the generator draws from (the configuration). */
export const CHANNELS = [16, 24, 32, 48, 64] as const;

export interface Cell {
  /** nodes[0] = "input", nodes[n-1] = "output", the others operations. */
  nodes: NodeKind[];
  /** n × n, 0/1, upper triangular: adjacency[i][j] = 1 is an edge i → j (i < j). */
  adjacency: number[][];
  /** Channels of the stem and of every operation. */
  channels: number;
}

/** Predecessors of node j. */
export function inputsOf(cell: Cell, j: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < j; i++) if (cell.adjacency[i][j]) out.push(i);
  return out;
}

export function edgeCount(cell: Cell): number {
  return cell.adjacency.reduce((a, row) => a + row.reduce((b, v) => b + v, 0), 0);
}

/** Checks the shape of a description (not its connectivity): throws naming what is wrong. */
export function checkCell(cell: Cell, name = "cell"): void {
  const n = cell.nodes.length;
  if (n < 2 || n > MAX_NODES) fail(`${name}.nodes.length`, n, `2..${MAX_NODES} nodes`);
  if (cell.nodes[0] !== "input" || cell.nodes[n - 1] !== "output") fail(`${name}.nodes`, cell.nodes, `"input" first, "output" last`);
  cell.nodes.slice(1, -1).forEach((k, i) => {
    if (!(OPS as readonly string[]).includes(k)) fail(`${name}.nodes[${i + 1}]`, k, `one of ${OPS.join(", ")}`);
  });
  if (cell.adjacency.length !== n || cell.adjacency.some((r) => r.length !== n)) fail(`${name}.adjacency`, cell.adjacency.map((r) => r.length), `${n} × ${n}`);
  cell.adjacency.forEach((row, i) =>
    row.forEach((v, j) => {
      if (v !== 0 && v !== 1) fail(`${name}.adjacency[${i}][${j}]`, v, "0 or 1");
      if (v && j <= i) fail(`${name}.adjacency[${i}][${j}]`, v, "0 below and on the diagonal (upper triangular)");
    }),
  );
  if (!Number.isInteger(cell.channels) || cell.channels < 1) fail(`${name}.channels`, cell.channels, "a positive integer");
}

/** Nodes reachable from the input and from which the output is reachable. */
function onPath(cell: Cell): boolean[] {
  const n = cell.nodes.length;
  const fromIn = new Array<boolean>(n).fill(false);
  const toOut = new Array<boolean>(n).fill(false);
  fromIn[0] = true;
  for (let j = 1; j < n; j++) fromIn[j] = inputsOf(cell, j).some((i) => fromIn[i]);
  toOut[n - 1] = true;
  for (let i = n - 2; i >= 0; i--) toOut[i] = cell.adjacency[i].some((v, j) => v === 1 && toOut[j]);
  return fromIn.map((f, i) => f && toOut[i]);
}

/** Valid: every node lies on a path input → output (so the output depends on the input), ≤ 9 edges. */
export function isValid(cell: Cell): boolean {
  checkCell(cell);
  return onPath(cell).every(Boolean) && edgeCount(cell) <= MAX_EDGES;
}

/** The cell without the nodes that lie on no input → output path (NAS-Bench-101's pruning); null when the output is cut off. */
export function prune(cell: Cell): Cell | null {
  checkCell(cell);
  const keep = onPath(cell);
  if (!keep[0]) return null;
  const idx = keep.flatMap((k, i) => (k ? [i] : []));
  return { nodes: idx.map((i) => cell.nodes[i]), adjacency: idx.map((i) => idx.map((j) => cell.adjacency[i][j])), channels: cell.channels };
}

/** SHA-256 (hex, first 16 characters) of the pruned description; throws when the output is cut off. */
export function cellHash(cell: Cell): string {
  const p = prune(cell);
  if (!p) fail("cell", "a graph whose output is not reachable from its input", "a connected cell");
  return createHash("sha256").update(JSON.stringify({ nodes: p.nodes, adjacency: p.adjacency, channels: p.channels })).digest("hex").slice(0, 16);
}

/**
 * A random cell in which every node is on an input → output path by construction: each node after
 * the input gets one random predecessor, each node before the output one random successor, then
 * every other pair an edge with probability `edgeProb` (independent edges alone would leave most
 * nodes dangling, and pruning would shrink most cells to 3-5 nodes).
 */
function randomCell(r: Rng, edgeProb: number, channels: readonly number[]): Cell {
  const ops = 1 + r.int(MAX_NODES - 2);
  const n = ops + 2;
  const nodes: NodeKind[] = ["input", ...Array.from({ length: ops }, () => OPS[r.int(OPS.length)]), "output"];
  const adjacency = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let j = 1; j < n; j++) adjacency[r.int(j)][j] = 1;
  for (let i = 0; i < n - 1; i++) if (!adjacency[i].some(Boolean)) adjacency[i][i + 1 + r.int(n - 1 - i)] = 1;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (r.next() < edgeProb) adjacency[i][j] = 1;
  return { nodes, adjacency, channels: channels[r.int(channels.length)] };
}

export interface GenerateOptions {
  seed?: number;
  /** Probability of each extra edge beyond the ones that connect every node (default 0.1). */
  edgeProb?: number;
  channels?: readonly number[];
  /** Give up after this many draws (default 200 × count). */
  maxDraws?: number;
}

/**
 * `count` distinct valid cells (pruned, at least one operation, ≤ 9 edges), deduplicated by hash,
 * drawn with the project's seeded generator: the same seed gives the same list.
 */
export function generateCells(count: number, o: GenerateOptions = {}): Cell[] {
  if (!Number.isInteger(count) || count < 1) fail("count", count, "a positive integer");
  const edgeProb = o.edgeProb ?? 0.1;
  if (!(edgeProb >= 0 && edgeProb <= 1)) fail("edgeProb", edgeProb, "a probability in [0, 1]");
  const channels = o.channels ?? CHANNELS;
  if (!channels.length || channels.some((c) => !Number.isInteger(c) || c < 1)) fail("channels", channels, "a non-empty list of positive integers");
  const r = rng(o.seed ?? 0);
  const seen = new Set<string>();
  const out: Cell[] = [];
  const maxDraws = o.maxDraws ?? 200 * count;
  for (let d = 0; d < maxDraws && out.length < count; d++) {
    const c = prune(randomCell(r, edgeProb, channels));
    if (!c || c.nodes.length < 3 || edgeCount(c) > MAX_EDGES) continue;
    const h = cellHash(c);
    if (seen.has(h)) continue;
    seen.add(h);
    out.push(c);
  }
  if (out.length < count) fail("count", count, `at most the ${out.length} distinct cells found in ${maxDraws} draws`);
  return out;
}
