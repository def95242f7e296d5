// The independent, strict judge of the differential test (tests/tests/differential.rs).
//
// Reads {"spec": PATH, "cases": [{"schema": POINTER, "direction": "request"|"response", "value": JSON}]}
// on standard input (instead of "schema", "inline" may hold a schema in the spec's dialect whose
// $refs point into the spec) and writes one JSON array, a {"valid": bool, "errors": [..]} per case in order.
// Nothing here knows our validator: every schema of the document (components.schemas and every
// `schema` key) is converted by @openapi-contrib/openapi-schema-to-json-schema, which reads
// OpenAPI 3.0.3 strictly (`nullable` only adds null to a `type` beside it; `x-*` keywords mean
// nothing), readOnly properties are removed for requests and writeOnly ones for responses, and
// ajv (draft-04, the converter's output dialect) with ajv-formats judges the value.
"use strict";
const fs = require("fs");
const yaml = require("js-yaml");
const { fromSchema } = require("@openapi-contrib/openapi-schema-to-json-schema");
const Ajv = require("ajv-draft-04");
const addFormats = require("ajv-formats");

function convertDocument(doc, direction) {
  const options = {
    removeReadOnly: direction === "request",
    removeWriteOnly: direction === "response",
  };
  const convert = (schema) => {
    const out = fromSchema(schema, options);
    delete out.$schema;
    return out;
  };
  const walk = (node, inComponents) => {
    if (Array.isArray(node)) return node.map((item) => walk(item, false));
    if (node === null || typeof node !== "object") return node;
    const out = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === "example" || key === "examples") out[key] = value;
      else if (key === "schema") out[key] = convert(value);
      else if (key === "schemas" && inComponents)
        out[key] = Object.fromEntries(Object.entries(value).map(([name, s]) => [name, convert(s)]));
      else out[key] = walk(value, key === "components");
    }
    return out;
  };
  return walk(doc, false);
}

// A JSON pointer as a URI fragment.
function encodePointer(pointer) {
  return pointer
    .replace(/^#/, "")
    .split("/")
    .map((token) => encodeURIComponent(token))
    .join("/");
}

// A schema outside the document, its local $refs pointed into it.
function intoSpec(node) {
  if (Array.isArray(node)) return node.map(intoSpec);
  if (node === null || typeof node !== "object") return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) =>
      key === "$ref" && typeof value === "string" && value.startsWith("#")
        ? [key, `spec#${encodePointer(value)}`]
        : [key, intoSpec(value)],
    ),
  );
}

const input = JSON.parse(fs.readFileSync(0, "utf8"));
const doc = yaml.load(fs.readFileSync(input.spec, "utf8"));
const judges = {};
for (const direction of ["request", "response"]) {
  // strict: false — unknown keywords (our x-* extensions) are ignored, as the OpenAPI 3.0 spec says.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(convertDocument(doc, direction), "spec");
  judges[direction] = ajv;
}
const compiled = new Map();
const verdicts = input.cases.map((c) => {
  const key = `${c.direction} ${c.schema ?? JSON.stringify(c.inline)}`;
  let validate = compiled.get(key);
  if (!validate) {
    const schema = c.inline
      ? intoSpec(convertDocument({ schema: c.inline }, c.direction).schema)
      : { $ref: `spec#${encodePointer(c.schema)}` };
    validate = judges[c.direction].compile(schema);
    compiled.set(key, validate);
  }
  const valid = validate(c.value);
  const errors = valid ? [] : validate.errors.map((e) => `${e.instancePath || "/"} ${e.message}`);
  return { valid, errors };
});
process.stdout.write(JSON.stringify(verdicts));
