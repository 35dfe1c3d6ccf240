"""Posts the scheduled check's result to a webhook (Slack-compatible `text`), with bounded retries.

WH-1  The whole delivery, retries and back-off included, ends by one total deadline: a server that
      answers slowly (headers drip-fed one byte at a time) cannot keep the check running.
WH-2  No redirect is followed (another host or scheme could receive the findings): a 3xx answer is a
      failed delivery naming where it pointed.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from compliance.core.errors import ValidationError


def check_webhook_url(url: str) -> str:
    """Returns `url` when it is an http(s) URL; refuses file:, ftp: and the like."""
    parts = urlsplit(str(url).strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(f"{url!r} is not an http(s) URL", field="--webhook")
    return str(url).strip()


def _connection(url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout,
                                           context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    return conn, target


def _post_once(url: str, body: bytes, *, timeout: float) -> tuple[int | None, str]:
    """POSTs once, all of it (connect, send, response head) within `timeout` seconds; returns (status, detail)."""
    conn, target = _connection(url, timeout)
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            conn.request("POST", target, body=body, headers={"Content-Type": "application/json; charset=utf-8",
                                                             "User-Agent": "compliance-deadlines-check"})
            response = conn.getresponse()
            outcome["status"], outcome["location"] = response.status, response.getheader("Location")
            response.close()
        except (OSError, http.client.HTTPException, ValueError) as exc:
            outcome["error"] = str(exc) or exc.__class__.__name__
        finally:
            conn.close()

    worker = threading.Thread(target=run, name="webhook-post", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        sock = conn.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes the worker blocked in recv
            except OSError:
                pass
        worker.join(1.0)
        return None, f"no complete answer within {round(timeout, 1):g} s"
    if "error" in outcome:
        return None, outcome["error"]
    status = outcome["status"]
    if 300 <= status < 400:
        return status, f"HTTP {status} redirect to {outcome['location'] or '(no location)'} not followed"
    return status, f"HTTP {status}"


def post_json(url: str, payload: dict[str, Any], *, retries: int = 3, backoff: float = 1.0, timeout: float = 10.0,
              deadline: float = 30.0, sleep: Callable[[float], None] = time.sleep,
              clock: Callable[[], float] = time.monotonic) -> tuple[bool, str]:
    """POSTs `payload` as JSON; retries with exponential back-off, all within `deadline` seconds; returns (delivered, detail).

    Each attempt is bounded as a whole by min(`timeout`, time left); 3xx, and 4xx other than 408 and 429, are not retried.
    """
    url = check_webhook_url(url)
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    end = clock() + deadline
    last = ""
    for attempt in range(retries + 1):
        if attempt:
            pause = backoff * (2 ** (attempt - 1))
            if clock() + pause >= end:
                break
            sleep(pause)
        left = end - clock()
        if left <= 0:
            break
        status, last = _post_once(url, body, timeout=min(timeout, left))
        if status is not None and 200 <= status < 300:
            return True, last
        if status is not None and (300 <= status < 500) and status not in (408, 429):
            break
    if clock() >= end and not last:
        last = f"no answer within {deadline:g} s"
    return False, last
