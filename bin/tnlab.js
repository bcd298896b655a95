#!/usr/bin/env node
"use strict";
// The tnlab command. Runs the compiled CLI from dist/ (built by `npm install`).
const { existsSync } = require("node:fs");
const { join } = require("node:path");
const main = join(__dirname, "..", "dist", "lib", "cli", "main.js");
if (!existsSync(main)) {
  console.error("tnlab: the package is not built yet; run `npm run build` in " + join(__dirname, ".."));
  process.exit(1);
}
require(main)
  .main(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((err) => {
    console.error(`tnlab: ${err && err.message ? err.message : err}`);
    if (process.env.TN_DEBUG) console.error(err);
    process.exit(1);
  });
