import os
import ssl
import urllib.request

import httpx
import requests

API_KEY = "q8Zr2LxV7pK4mT9wB3nY6cH1"  # want hardcoded-credential
STRIPE = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"  # want hardcoded-credential
TOKEN_ENV = "STRIPE_API_KEY"
key_from_env = os.environ["STRIPE_API_KEY"]


def fetch(url):
    r = requests.get(url)  # want http-no-timeout
    r2 = requests.post(url, json={"a": 1}, verify=False)  # want http-no-timeout tls-insecure
    ok = requests.get(url, timeout=5)
    passthrough = requests.get(url, **options())
    ctx = ssl.create_default_context()
    ctx.verify_mode = ssl.CERT_NONE  # want tls-insecure
    c = httpx.Client(timeout=None)  # want http-no-timeout
    fine = httpx.get(url)
    page = urllib.request.urlopen(url)  # want http-no-timeout
    bounded = urllib.request.urlopen(url, timeout=2)
    positional = urllib.request.urlopen(url, None, 2)
    # a comment: requests.get(url) is not code
    text = "requests.get(url) in a string is not code"
    # faultline:ignore http-no-timeout the caller wraps this in a signal.alarm
    legacy = requests.get(url)
    # faultline:ignore http-no-timeout  # want faultline-ignore
    unreasoned = requests.get(url)  # want http-no-timeout
    return r, r2, ok, passthrough, c, fine, page, bounded, positional, text, legacy, unreasoned


def options():
    return {"timeout": 3}
