#!/usr/bin/env node
// Runs node's built-in test runner over test/**/*.test.ts through tsx.
// Node 20's --test does not expand globs, so the files are collected here.
// Usage: node scripts/test.js [substring ...]  (only files whose path contains a substring)
// Each test file gets at most TN_TEST_FILE_MINUTES (default 20) minutes: a file whose process
// does not end (a child it failed to stop) is cancelled and reported, rather than hanging the run.
"use strict";
const { readdirSync, statSync } = require("node:fs");
const { join, relative } = require("node:path");
const { spawnSync } = require("node:child_process");

const root = join(__dirname, "..");
function collect(dir, out) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) collect(p, out);
    else if (name.endsWith(".test.ts")) out.push(relative(root, p));
  }
  return out;
}
const filters = process.argv.slice(2);
const files = collect(join(root, "test"), []).filter(
  (f) => filters.length === 0 || filters.some((s) => f.includes(s)),
);
if (files.length === 0) {
  console.error(`no test files match ${JSON.stringify(filters)}`);
  process.exit(1);
}
const minutes = Number(process.env.TN_TEST_FILE_MINUTES ?? 20);
if (!(minutes > 0)) {
  console.error(`TN_TEST_FILE_MINUTES = ${process.env.TN_TEST_FILE_MINUTES}: expected a positive number of minutes`);
  process.exit(2);
}
const r = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-reporter=spec", "--test-concurrency=1", `--test-timeout=${Math.round(minutes * 60_000)}`, ...files],
  { cwd: root, stdio: "inherit", env: { ...process.env, TN_QUIET: process.env.TN_QUIET ?? "1" } },
);
process.exit(r.status ?? 1);
