// HTML helpers: every value that reaches an HTML output goes through escapeHtml.

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) =>
    c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : "&#39;",
  );
}

/** JSON that is safe inside a <script> element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** A short, readable number: integers as they are, others with 5 significant digits. */
export function formatNumber(x: number): string {
  if (typeof x !== "number") return String(x);
  if (Number.isInteger(x)) return String(x);
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-4 || a >= 1e6)) return x.toExponential(4);
  return String(Number(x.toPrecision(5)));
}
