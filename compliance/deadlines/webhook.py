"""Posts the scheduled check's result to a webhook (Slack-compatible `text`), with bounded retries."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
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


def post_json(url: str, payload: dict[str, Any], *, retries: int = 3, backoff: float = 1.0, timeout: float = 10.0,
              sleep: Callable[[float], None] = time.sleep) -> tuple[bool, str]:
    """POSTs `payload` as JSON; retries with exponential back-off; returns (delivered, last error or status)."""
    url = check_webhook_url(url)
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    last = ""
    for attempt in range(retries + 1):
        if attempt:
            sleep(backoff * (2 ** (attempt - 1)))
        request = urllib.request.Request(url, data=body, method="POST",
                                         headers={"Content-Type": "application/json; charset=utf-8",
                                                  "User-Agent": "compliance-deadlines-check"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked above
                return True, f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
            if 400 <= exc.code < 500 and exc.code not in (408, 429):
                break
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            last = str(getattr(exc, "reason", exc))
    return False, last
