// tn.latency cells: the generator is seeded, keeps only valid cells and no repeats; hashes are
// stable and describe the pruned cell.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cellHash, checkCell, generateCells, isValid, prune, inputsOf, edgeCount, MAX_EDGES, type Cell } from "../../lib/latency/cells";
import { cellBlocks } from "../../lib/latency/blocks";
import { depth } from "../../lib/latency/features";

const chain: Cell = { nodes: ["input", "conv3x3", "maxpool3x3", "output"], adjacency: [[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0]], channels: 32 };

test("hash: the same cell always hashes the same; another cell, channel count or numbering hashes differently", { timeout: 10_000 }, () => {
  const copy = JSON.parse(JSON.stringify(chain)) as Cell;
  assert.equal(cellHash(copy), cellHash(chain));
  assert.match(cellHash(chain), /^[0-9a-f]{16}$/);
  assert.notEqual(cellHash({ ...chain, channels: 16 }), cellHash(chain));
  assert.notEqual(cellHash({ ...chain, nodes: ["input", "conv1x1", "maxpool3x3", "output"] }), cellHash(chain));
  // Two parallel ops numbered in the other order: the same graph (isomorphic), a different description.
  const a: Cell = { nodes: ["input", "conv3x3", "conv1x1", "output"], adjacency: [[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]], channels: 16 };
  const b: Cell = { ...a, nodes: ["input", "conv1x1", "conv3x3", "output"] };
  assert.notEqual(cellHash(a), cellHash(b), "isomorphic descriptions stay distinct (documented)");
});

test("validity and pruning: a node off every input → output path is invalid and pruned away, and the hash is the pruned cell's", { timeout: 10_000 }, () => {
  assert.equal(isValid(chain), true);
  // Node 2 (conv1x1) is fed by the input but feeds nothing: a dead end.
  const dangling: Cell = { nodes: ["input", "conv3x3", "conv1x1", "output"], adjacency: [[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0], [0, 0, 0, 0]], channels: 32 };
  assert.equal(isValid(dangling), false);
  const p = prune(dangling)!;
  assert.deepEqual(p.nodes, ["input", "conv3x3", "output"]);
  assert.deepEqual(p.adjacency, [[0, 1, 0], [0, 0, 1], [0, 0, 0]]);
  assert.equal(cellHash(dangling), cellHash(p));
  const cut: Cell = { nodes: ["input", "conv3x3", "output"], adjacency: [[0, 1, 0], [0, 0, 0], [0, 0, 0]], channels: 16 };
  assert.equal(prune(cut), null);
  assert.throws(() => cellHash(cut), /cell = .*output is not reachable/);
});

test("bad descriptions are rejected naming the field", { timeout: 10_000 }, () => {
  assert.throws(() => checkCell({ ...chain, nodes: ["input", "conv5x5" as "conv3x3", "maxpool3x3", "output"] }), /cell\.nodes\[1\] = "conv5x5": expected one of conv3x3, conv1x1, maxpool3x3/);
  assert.throws(() => checkCell({ ...chain, adjacency: [[0, 1, 0, 0], [1, 0, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0]] }), /adjacency\[1\]\[0\] = 1: expected 0 below and on the diagonal/);
  assert.throws(() => checkCell({ ...chain, channels: 0 }), /cell\.channels = 0/);
  assert.throws(() => generateCells(0), /count = 0: expected a positive integer/);
  assert.throws(() => generateCells(5, { edgeProb: -1 }), /edgeProb = -1: expected a probability/);
});

test("generator: seeded, every cell valid (≤ 7 nodes, ≤ 9 edges, at least one op), no two with the same hash", { timeout: 30_000 }, () => {
  const cells = generateCells(300, { seed: 5 });
  assert.equal(cells.length, 300);
  const hashes = cells.map(cellHash);
  assert.equal(new Set(hashes).size, 300, "deduplicated by hash");
  for (const c of cells) {
    assert.ok(isValid(c), JSON.stringify(c));
    assert.ok(c.nodes.length >= 3 && c.nodes.length <= 7);
    assert.ok(edgeCount(c) <= MAX_EDGES);
    for (let j = 1; j < c.nodes.length; j++) assert.ok(inputsOf(c, j).length > 0, "every node but the input has an input");
    assert.ok(depth(c) >= 2);
  }
  assert.deepEqual(generateCells(300, { seed: 5 }).map(cellHash), hashes, "same seed, same cells");
  assert.notDeepEqual(generateCells(300, { seed: 6 }).map(cellHash), hashes);
  // The spread the predictors need: all node counts, all channel counts and every op appear.
  assert.deepEqual([...new Set(cells.map((c) => c.nodes.length))].sort(), [3, 4, 5, 6, 7]);
  assert.equal(new Set(cells.map((c) => c.channels)).size, 5);
  assert.throws(() => generateCells(50, { channels: [16], edgeProb: 1, maxDraws: 50 }), /count = 50: expected at most the \d+ distinct cells/);
});

test("blocks: one key per stem, op, sum of k inputs, concatenation and head", { timeout: 10_000 }, () => {
  const c: Cell = { nodes: ["input", "conv3x3", "conv1x1", "output"], adjacency: [[0, 1, 1, 1], [0, 0, 1, 1], [0, 0, 0, 1], [0, 0, 0, 0]], channels: 16 };
  assert.deepEqual(cellBlocks(c), ["stem/16", "conv3x3/16", "add/2/16", "conv1x1/16", "concat/3/16", "head/48"]);
  assert.deepEqual(cellBlocks(chain), ["stem/32", "conv3x3/32", "maxpool3x3/32", "head/32"]);
});
