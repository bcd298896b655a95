// A least-squares regression tree (CART) for gradient boosting: at every node the split (feature,
// threshold) that most reduces the squared error, found exactly by sorting the node's samples
// along each feature and scanning prefix sums (O(m log m) per feature, where ml-cart's
// DecisionTreeRegression re-partitions for every candidate threshold, O(m²)).
export type Tree = number | { feature: number; threshold: number; left: Tree; right: Tree };

export interface TreeOptions {
  maxDepth: number;
  /** Fewest samples in a leaf. */
  minLeaf: number;
}

interface Split {
  feature: number;
  threshold: number;
  gain: number;
}

function bestSplit(X: readonly number[][], y: readonly number[], idx: number[], minLeaf: number): Split | undefined {
  const m = idx.length;
  const total = idx.reduce((a, i) => a + y[i], 0);
  let best: Split | undefined;
  for (let f = 0; f < X[idx[0]].length; f++) {
    const order = [...idx].sort((a, b) => X[a][f] - X[b][f]);
    let left = 0;
    for (let k = 1; k < m; k++) {
      left += y[order[k - 1]];
      const lo = X[order[k - 1]][f];
      const hi = X[order[k]][f];
      if (k < minLeaf || m - k < minLeaf || lo === hi) continue;
      // SSE reduction of splitting a set into two = n_l·mean_l² + n_r·mean_r² − n·mean².
      const gain = (left * left) / k + ((total - left) * (total - left)) / (m - k) - (total * total) / m;
      if (!best || gain > best.gain) best = { feature: f, threshold: (lo + hi) / 2, gain };
    }
  }
  return best && best.gain > 1e-12 ? best : undefined;
}

/** Fits a tree to y on the rows `idx` of X. */
export function fitTree(X: readonly number[][], y: readonly number[], idx: number[], o: TreeOptions, depth = 0): Tree {
  const mean = idx.reduce((a, i) => a + y[i], 0) / idx.length;
  if (depth >= o.maxDepth || idx.length < 2 * o.minLeaf) return mean;
  const s = bestSplit(X, y, idx, o.minLeaf);
  if (!s) return mean;
  const l = idx.filter((i) => X[i][s.feature] < s.threshold);
  const r = idx.filter((i) => X[i][s.feature] >= s.threshold);
  return { feature: s.feature, threshold: s.threshold, left: fitTree(X, y, l, o, depth + 1), right: fitTree(X, y, r, o, depth + 1) };
}

export function treePredict(t: Tree, x: readonly number[]): number {
  while (typeof t !== "number") t = x[t.feature] < t.threshold ? t.left : t.right;
  return t;
}
