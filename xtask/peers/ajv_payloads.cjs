// The ajv peer of `cargo xtask bench --peers`: JSON.parse + validate per second on each payload,
// one schema per payload (ajv 8, allErrors, OpenAPI formats as no-ops, as ../shared/bench/har_ajv.cjs).
// node ajv_payloads.cjs SCHEMA PAYLOAD [SCHEMA PAYLOAD ...]  ->  one "RATE" line per pair
// (median of 7 rounds of 0.2 s, as the Rust side measures).
"use strict";
const fs = require("fs");
const Ajv = require("ajv"), addFormats = require("ajv-formats");
const args = process.argv.slice(2);
for (let i = 0; i + 1 < args.length; i += 2) {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  for (const f of ["int32", "int64", "float", "double"]) ajv.addFormat(f, { type: "number", validate: () => true });
  const validate = ajv.compile(JSON.parse(fs.readFileSync(args[i], "utf8")));
  const text = fs.readFileSync(args[i + 1], "utf8");
  if (!validate(JSON.parse(text))) throw new Error(`${args[i + 1]} is invalid to ajv: ${JSON.stringify(validate.errors)}`);
  const rounds = [];
  for (let r = 0; r < 7; r++) {
    const t0 = process.hrtime.bigint();
    let n = 0;
    while (Number(process.hrtime.bigint() - t0) < 2e8) {
      for (let k = 0; k < 64; k++) validate(JSON.parse(text));
      n += 64;
    }
    rounds.push(n / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
  rounds.sort((a, b) => a - b);
  console.log(rounds[3].toFixed(0));
}
