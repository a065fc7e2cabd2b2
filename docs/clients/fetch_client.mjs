#!/usr/bin/env node
// A faultline external client in Node (18 or later), with nothing but the
// built-in fetch. The contract's plumbing: read FAULTLINE_URL and
// FAULTLINE_CALLS, make each call `count` times across `concurrency`
// workers (pace_ns between calls after the first `concurrency`), send an
// X-Request-Id of your own per logical call, exit 0 when every call was
// handled, 1 with a line per failure on stderr.
//
// Its own behaviour, which faultline judges: a 3 s timeout per call
// covering the body (AbortSignal.timeout), no retries, the body checked
// against the call's expected shape. A plain client: it passes the timeout
// and payload scenarios, and fails the ones that need retries.
const base = process.env.FAULTLINE_URL;
const calls = JSON.parse(process.env.FAULTLINE_CALLS);
const scenario = process.env.FAULTLINE_SCENARIO ?? "call";
const failures = [];
let counter = 0;

function kind(v) {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return { string: "string", number: "number", boolean: "bool", object: "object" }[typeof v];
}

function checkShape(text, expect) {
  if (!expect) return;
  const doc = JSON.parse(text); // SyntaxError names the problem (empty or cut JSON)
  for (const [path, want] of Object.entries(expect)) {
    let v = doc;
    for (const name of path.split(".")) {
      if (v === null || typeof v !== "object" || !(name in v)) throw new Error(`field ${path}: missing from the response`);
      v = v[name];
    }
    if (kind(v) !== want) throw new Error(`field ${path}: expected ${want}, got ${kind(v)}`);
  }
}

async function oneCall(call) {
  const headers = { ...(call.headers ?? {}), "X-Request-Id": `${scenario}-${++counter}` };
  const resp = await fetch(base + call.path, {
    method: call.method, headers, body: call.body || undefined, signal: AbortSignal.timeout(3000),
  });
  const text = await resp.text();
  if (resp.status >= 400) throw new Error(`status ${resp.status}`);
  checkShape(text, call.expect);
}

async function run(call) {
  try {
    await oneCall(call);
  } catch (err) {
    const cause = err.cause ? ` (${err.cause.code ?? err.cause.message})` : "";
    failures.push(`${call.method} ${call.path}: ${err.name}: ${err.message}${cause}`);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
for (const call of calls) {
  let next = 0;
  const worker = async () => {
    while (next < call.count) {
      const i = next++;
      if (i >= call.concurrency && call.pace_ns) await sleep(call.pace_ns / 1e6);
      await run(call);
    }
  };
  await Promise.all(Array.from({ length: Math.min(call.concurrency, call.count) }, worker));
}
for (const f of failures) console.error(`fetch_client: ${f}`);
process.exit(failures.length ? 1 : 0);
