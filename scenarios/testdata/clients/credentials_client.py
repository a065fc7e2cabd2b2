#!/usr/bin/env python3
"""A careful external client in Python (standard library only) for the
credentials, TLS and pagination scenarios: faultline's tests run the
auth-, tls- and pagination- scenarios of the library with it, and it must
pass them all, as the Go reference client does.

- Credentials (FAULTLINE_TOKEN_URL, _CLIENT_ID, _CLIENT_SECRET and, when
  set, _REFRESH_TOKEN): one token shared by every worker, replaced at 80%
  of its lifetime; one refresh at a time; a 401 with
  error="invalid_token" replaces the token once and sends the call once
  more; invalid_grant stops every call with "reauthorisation needed".
- Redirects followed by hand: Authorization only to the host it was meant
  for, never from https to http.
- TLS: the CA in FAULTLINE_CA_FILE, verification on, TLS 1.2 at least.
- Listings: follows next_cursor / next_page, retries a failed page from its
  own cursor (never from the first page), stops on a cursor already
  fetched with "repeated cursor".
"""
import base64
import concurrent.futures
import http.client
import json
import os
import ssl
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid


class Failed(Exception):
    pass


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # redirects are followed by hand, below


def opener():
    handlers = [NoRedirect()]
    ca = os.environ.get("FAULTLINE_CA_FILE")
    if ca:
        ctx = ssl.create_default_context(cafile=ca)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        handlers.append(urllib.request.HTTPSHandler(context=ctx))
    return urllib.request.build_opener(*handlers)


OPENER = opener()


def send(method, url, headers, body=None):
    """One exchange: (status, headers, body); HTTP errors are answers too."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with OPENER.open(req, timeout=2) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


class Tokens:
    def __init__(self):
        self.url = os.environ["FAULTLINE_TOKEN_URL"]
        cred = os.environ["FAULTLINE_CLIENT_ID"] + ":" + os.environ["FAULTLINE_CLIENT_SECRET"]
        self.basic = "Basic " + base64.b64encode(cred.encode()).decode()
        self.refresh = os.environ.get("FAULTLINE_REFRESH_TOKEN", "")
        self.lock = threading.Lock()
        self.token, self.renew_at, self.dead = None, 0.0, None

    def get(self):
        with self.lock:  # one refresh at a time; waiters reuse its token
            if self.dead:
                raise Failed(self.dead)
            if self.token is None or time.monotonic() >= self.renew_at:
                self.fetch()
            return self.token

    def invalidate(self, token):
        with self.lock:
            if self.token == token:
                self.token = None

    def fetch(self):
        form = {"grant_type": "client_credentials"}
        if self.refresh:
            form = {"grant_type": "refresh_token", "refresh_token": self.refresh}
        status, _, body = send("POST", self.url, {"Authorization": self.basic,
                               "Content-Type": "application/x-www-form-urlencoded"},
                               urllib.parse.urlencode(form).encode())
        answer = json.loads(body or b"{}")
        if answer.get("error") == "invalid_grant":
            self.dead = "reauthorisation needed: the grant was revoked (invalid_grant); ask the user to authorise the app again"
            raise Failed(self.dead)
        if status != 200:
            raise Failed(f"token request: {status} {answer.get('error')}")
        self.token = answer["access_token"]
        self.refresh = answer.get("refresh_token", self.refresh)
        self.renew_at = time.monotonic() + 0.8 * float(answer.get("expires_in", 3600))


TOKENS = Tokens() if os.environ.get("FAULTLINE_TOKEN_URL") else None


def call(method, url, headers):
    """A call with credentials and safe redirects: (status, body)."""
    origin = urllib.parse.urlsplit(url)
    headers = dict(headers, **{"X-Request-Id": str(uuid.uuid4())})
    for _ in range(5):
        here = urllib.parse.urlsplit(url)
        own = (here.scheme, here.netloc) == (origin.scheme, origin.netloc)
        for attempt in range(2):
            h = dict(headers)
            token = TOKENS.get() if TOKENS and own else None
            if token:
                h["Authorization"] = "Bearer " + token
            status, rh, body = send(method, url, h)
            if status == 401 and token and 'error="invalid_token"' in (rh.get("WWW-Authenticate") or "") and attempt == 0:
                TOKENS.invalidate(token)
                continue
            break
        if status not in (301, 302, 303, 307, 308):
            return status, body
        target = urllib.parse.urljoin(url, rh["Location"])
        if here.scheme == "https" and not target.startswith("https:"):
            raise Failed(f"refused to follow a redirect from https to {target.split(':')[0]}")
        url = target
    raise Failed("too many redirects")


def with_retries(fn):
    for attempt in range(4):
        try:
            status, body = fn()
            if status < 500:
                return status, body
            err = Failed(f"status {status}")
        except (OSError, http.client.HTTPException, ValueError) as e:  # resets, cut bodies
            if isinstance(getattr(e, "reason", e), ssl.SSLError):
                raise Failed(f"TLS refused: {getattr(e, 'reason', e)}")  # a bad certificate does not heal
            err = e
        time.sleep(0.05 * (2 ** attempt))
    raise Failed(f"gave up after 4 attempts: {err}")


def listing(base, c):
    param = c["paginate"]
    seen, nxt, pages = set(), "", 0
    while True:
        url = base + c["path"] + (("?" + urllib.parse.urlencode({param: nxt})) if nxt else "")
        status, body = with_retries(lambda: call("GET", url, c.get("headers") or {}))
        if status != 200:
            raise Failed(f"page {pages + 1}: status {status}")
        page = json.loads(body)
        pages += 1
        seen.add(nxt)
        following = page.get("next_cursor") if param == "cursor" else page.get("next_page")
        if following is None:
            return
        following = str(following)
        if following in seen:
            raise Failed(f"repeated cursor {following!r} after page {pages}: stopping instead of looping")
        nxt = following


def one(base, c):
    if c.get("paginate"):
        return listing(base, c)
    status, _ = with_retries(lambda: call(c["method"], base + c["path"], c.get("headers") or {}))
    if status >= 400:
        raise Failed(f"{c['method']} {c['path']}: status {status}")


def main():
    base = os.environ["FAULTLINE_URL"]
    failures = []
    for c in json.loads(os.environ["FAULTLINE_CALLS"]):
        workers, pace = max(c.get("concurrency", 1), 1), c.get("pace_ns", 0) / 1e9
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            futures = []
            for i in range(max(c.get("count", 1), 1)):
                if i >= workers and pace:
                    time.sleep(pace)
                futures.append(pool.submit(one, base, c))
            for f in futures:
                try:
                    f.result()
                except Exception as e:  # every failure is reported, none hidden
                    failures.append(f"{c['method']} {c['path']}: {e}")
    for f in failures:
        print("credentials_client:", f, file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
