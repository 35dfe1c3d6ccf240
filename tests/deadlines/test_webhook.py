"""The webhook delivery: one total deadline for the whole request, no redirect followed (real local servers)."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from compliance.deadlines.webhook import post_json


class DripServer:
    """Accepts connections, reads the request, then sends the response head one byte per second."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/hook"
        self.stop = threading.Event()
        self.connections: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections.append(conn)
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        try:
            conn.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10_000:
                if self.stop.wait(1.0):
                    return
                conn.sendall(bytes([byte]))
        except OSError:
            return

    def close(self) -> None:
        self.stop.set()
        self.thread.join(2)
        for conn in self.connections:
            conn.close()
        self.sock.close()


@pytest.fixture
def drip_server():
    server = DripServer()
    yield server
    server.close()


def test_a_server_drip_feeding_its_headers_cannot_hold_the_delivery_past_its_deadline(drip_server):
    begin = time.monotonic()
    delivered, detail = post_json(drip_server.url, {"text": "x"}, deadline=2.0, backoff=0.01)
    elapsed = time.monotonic() - begin
    assert not delivered and "no complete answer within 2 s" in detail
    assert elapsed < 4.5  # 2 s deadline, at most 1 s to wake the blocked reader; the headers would take hours


def test_deadlines_check_with_a_drip_feeding_webhook_ends_with_its_exit_code(cli_run, drip_server):
    cli_run(["incident", "open", "--title", "x", "--severity", "sev2", "--detected-at", "2026-03-01T11:00:00Z",
             "--aware-at", "2026-03-01T12:00:00Z", "--personal-data", "--regime", "gdpr"])
    begin = time.monotonic()
    result = cli_run(["deadlines", "check", "--at", "2026-03-05T00:00:00Z", "--webhook", drip_server.url],
                     extra_env={"COMPLIANCE_WEBHOOK_TIMEOUT": "2", "COMPLIANCE_WEBHOOK_BACKOFF": "0.01"})
    assert time.monotonic() - begin < 8
    assert result.exit_code == 2
    assert "warning: webhook not delivered (no complete answer within 2 s)" in result.stderr


class _Handler(BaseHTTPRequestHandler):
    received: list = []
    status = 200
    location: str | None = None

    def do_POST(self):  # noqa: N802 - http.server API
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        self.send_response(type(self).status)
        if type(self).location:
            self.send_header("Location", type(self).location)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    servers = []

    def start(status, location=None):
        handler = type("Handler", (_Handler,), {"received": [], "status": status, "location": location})
        server = HTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/hook", handler

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_to_another_host_is_a_failed_delivery_and_is_not_followed(http_server, status):
    elsewhere, other = http_server(200)
    url, first = http_server(status, location=elsewhere.replace("127.0.0.1", "localhost"))
    delivered, detail = post_json(url, {"text": "findings"}, backoff=0)
    assert not delivered
    assert detail == f"HTTP {status} redirect to {elsewhere.replace('127.0.0.1', 'localhost')} not followed"
    assert len(first.received) == 1 and other.received == []  # not retried, not followed


def test_a_redirect_to_another_scheme_is_not_followed(http_server):
    url, first = http_server(308, location="https://127.0.0.1:1/hook")
    delivered, detail = post_json(url, {"text": "findings"}, backoff=0)
    assert not delivered and "redirect to https://127.0.0.1:1/hook not followed" in detail


def test_deadlines_check_reports_a_redirecting_webhook_as_not_delivered(cli_run, http_server):
    elsewhere, other = http_server(200)
    url, _ = http_server(302, location=elsewhere)
    result = cli_run(["deadlines", "check", "--webhook", url], extra_env={"COMPLIANCE_WEBHOOK_BACKOFF": "0"})
    assert result.exit_code == 0
    assert f"warning: webhook not delivered (HTTP 302 redirect to {elsewhere} not followed)" in result.stderr
    assert other.received == []


def test_retries_stop_at_the_total_deadline(http_server):
    url, handler = http_server(503)
    now, sleeps = [0.0], []

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds

    delivered, detail = post_json(url, {"text": "x"}, retries=10, backoff=1.0, deadline=2.5, sleep=sleep,
                                  clock=lambda: now[0])
    assert not delivered and detail == "HTTP 503"
    assert sleeps == [1.0] and len(handler.received) == 2  # a 2 s back-off would end past the 2.5 s deadline


def test_a_delivered_message_reports_its_status(http_server):
    url, handler = http_server(204)
    assert post_json(url, {"text": "hello"}) == (True, "HTTP 204")
    assert handler.received == [{"text": "hello"}]
