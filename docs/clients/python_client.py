#!/usr/bin/env python3
"""A faultline external client in Python, standard library only.

The contract (docs/scenarios.md, "External clients") is plumbing: read
FAULTLINE_URL and FAULTLINE_CALLS, make each call `count` times across
`concurrency` workers, waiting `pace_ns` between calls after the first
`concurrency`, put an X-Request-Id of your own on each logical call, and
exit 0 when every call was handled, 1 with a line per failure on stderr.

Everything else here is this client's own behaviour, which faultline
judges: a 1 s timeout per attempt, covering the body, and a 3 s deadline
per call (or the call's timeout_ns); up to 4 retries of connection errors, 408, 429 and 5xx
(not 501) for GET/PUT/DELETE, and for POST/PATCH only because each call
carries one Idempotency-Key on every attempt; equal-jitter exponential
backoff from 200 ms; Retry-After (seconds or an HTTP-date) honoured, and
refused when it would outlast the deadline; a body shorter than its
Content-Length is a failed attempt; the response body checked against the
call's expected shape. It has no circuit breaker, retry budget, bulkhead,
client-side rate limiter or fallback: the scenarios about those fail.
"""
import email.utils
import http.client
import json
import os
import random
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

RETRYABLE = {408, 429, 500, 502, 503, 504}
MAX_RETRIES = 4


class CallFailed(Exception):
    pass


def retry_after(headers):
    value = headers.get("Retry-After")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())  # RFC 9110: against our clock


def check_shape(body, expect):
    if not expect:
        return
    if not body:
        raise CallFailed("the response body is empty; expected JSON with " + ", ".join(sorted(expect)))
    doc = json.loads(body)  # json.JSONDecodeError names the problem
    kinds = {str: "string", bool: "bool", int: "number", float: "number", dict: "object", list: "array"}
    for path, want in expect.items():
        value = doc
        for name in path.split("."):
            if not isinstance(value, dict) or name not in value:
                raise CallFailed("field %s: missing from the response" % path)
            value = value[name]
        got = "null" if value is None else kinds.get(type(value), type(value).__name__)
        if got != want:
            raise CallFailed("field %s: expected %s, got %s" % (path, want, got))


def read_body(resp, until):
    # urlopen's timeout bounds each socket read, not the body: a body that
    # trickles in would never time out, so the attempt's end is checked too.
    chunks = []
    while True:
        if time.monotonic() > until:
            raise TimeoutError("timed out reading the response body")
        chunk = resp.read1(65536)
        if not chunk:
            body = b"".join(chunks)
            length = resp.headers.get("Content-Length")
            if length and length.isdigit() and len(body) < int(length):
                raise http.client.IncompleteRead(body, int(length) - len(body))
            return body
        chunks.append(chunk)


def attempt(base, call, headers, timeout):
    data = call.get("body", "").encode() or None
    req = urllib.request.Request(base + call["path"], data=data, method=call["method"], headers=headers)
    until = time.monotonic() + timeout
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.headers, read_body(resp, until)
    except urllib.error.HTTPError as err:
        return err.code, err.headers, read_body(err, until)


def one_call(base, call, request_id):
    deadline = time.monotonic() + (call.get("timeout_ns", 0) / 1e9 or 3.0)
    headers = dict(call.get("headers") or {})
    headers["X-Request-Id"] = request_id
    if call["method"] in ("POST", "PATCH"):
        headers["Idempotency-Key"] = str(uuid.uuid4())  # one per call, kept across attempts
    for n in range(MAX_RETRIES + 1):
        left = deadline - time.monotonic()
        if left <= 0:
            raise CallFailed("deadline passed after %d attempts" % n)
        try:
            status, resp_headers, body = attempt(base, call, headers, min(1.0, left))
        except (urllib.error.URLError, http.client.HTTPException, OSError) as err:
            status, resp_headers, body, why = None, {}, b"", "connection: %s" % getattr(err, "reason", err)
        else:
            if status < 400:
                check_shape(body, call.get("expect"))
                return
            why = "status %d" % status
            if status not in RETRYABLE:
                raise CallFailed(why)
        if n == MAX_RETRIES:
            raise CallFailed("gave up after %d attempts: %s" % (n + 1, why))
        d = min(2.0, 0.2 * 2 ** n)
        wait = d / 2 + random.uniform(0, d / 2)
        asked = retry_after(resp_headers)
        if asked is not None:
            if time.monotonic() + asked > deadline:
                raise CallFailed("the server asked for Retry-After: %.0fs, beyond the call's deadline" % asked)
            wait = max(wait, asked)
        if time.monotonic() + wait > deadline:
            raise CallFailed("gave up after %d attempts, out of time: %s" % (n + 1, why))
        time.sleep(wait)


def main():
    base, calls = os.environ["FAULTLINE_URL"], json.loads(os.environ["FAULTLINE_CALLS"])
    scenario = os.environ.get("FAULTLINE_SCENARIO", "call")
    failures, lock, counter = [], threading.Lock(), [0]

    def run(call):
        with lock:
            counter[0] += 1
            request_id = "%s-%d" % (scenario, counter[0])
        try:
            one_call(base, call, request_id)
        except Exception as err:  # every failure is reported, none crashes the run
            with lock:
                failures.append("%s %s: %s" % (call["method"], call["path"], err))

    for call in calls:
        todo, pace = call["count"], call.get("pace_ns", 0) / 1e9
        workers = []
        for i in range(todo):
            if i >= call["concurrency"]:
                workers[i - call["concurrency"]].join()  # a free worker
                time.sleep(pace)
            t = threading.Thread(target=run, args=(call,))
            t.start()
            workers.append(t)
        for t in workers:
            t.join()
    for f in failures:
        print("python_client: " + f, file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
