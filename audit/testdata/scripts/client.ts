import https from "node:https";

const apiKey = "f3a9c1e7b5d2a8c4e6f0b1d3"; // want hardcoded-credential
const apiKeyHeader = "X-Api-Key";
const slack = `xoxb-2048-7391046158-Qm4TzR8kLp2Wx9Vn`; // want hardcoded-credential

export async function load(url: string, opts: RequestInit) {
  const a = await fetch(url); // want http-no-timeout
  const b = await fetch(url, { method: "POST" }); // want http-no-timeout
  const c = await fetch(url, { signal: AbortSignal.timeout(5000) });
  const d = await fetch(url, opts);
  const e = await fetch(url, { ...opts, method: "GET" });
  const agent = new https.Agent({ rejectUnauthorized: false }); // want tls-insecure
  /* fetch(url) in a comment */
  const probe = await fetch("data:,"); // a data: URL: nothing to wait for
  const msg = "The Bedrock bearer credential provider must return a non-empty string.";
  return [a, b, c, d, e, agent, probe, msg, client.fetch(url)];
}

class Api {
  async fetch(path: string): Promise<Response> {
    return fetch(path, { signal: AbortSignal.timeout(1000) });
  }
}

process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0"; // want tls-insecure
