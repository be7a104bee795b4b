"""A real HTTP server on 127.0.0.1 with scripted faults, the base of the platform fakes.

Each fake is a ``FakeServer`` subclass with a ``route`` method that returns a ``Reply``.
Faults are scripted per request number (1-based, counted per ``counter`` name, e.g. "api" or
"token"), so a test can say "the 3rd API request gets a 429".
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    """What the fake received."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    number: int = 0  # per counter, 1-based
    counter: str = ""
    raw_query: str = ""  # the query string as sent (``query`` keeps one value per name)

    def form(self) -> dict[str, str]:
        """The body parsed as application/x-www-form-urlencoded."""
        return {k: v[-1] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class Reply:
    """What the fake sends back. ``body`` is JSON-encoded unless it is bytes."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (to trigger client timeouts)


@dataclass
class Fault:
    """A scripted misbehaviour for one request number."""

    status: int = 500
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    malformed: bool = False  # answer 200 with a truncated JSON body


class FakeServer:
    """Start with ``start()``, stop with ``stop()``; ``url`` is the base URL."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.faults: dict[tuple[str, int], Fault] = {}
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- scripting ------------------------------------------------------------------------
    def fail(self, number: int, fault: Fault, counter: str = "api") -> None:
        """Make request ``number`` of ``counter`` misbehave."""
        self.faults[(counter, number)] = fault

    def count(self, counter: str = "api") -> int:
        """How many requests of ``counter`` arrived so far."""
        with self._lock:
            return self._counts.get(counter, 0)

    # --- to override ----------------------------------------------------------------------
    def counter_for(self, method: str, path: str) -> str:
        """Which counter a request belongs to."""
        return "api"

    def route(self, request: Request) -> Reply:
        """Answer one request."""
        raise NotImplementedError

    def fault_reply(self, fault: Fault, request: Request) -> Reply:
        """The reply for a scripted fault; platforms add their headers."""
        return Reply(fault.status, fault.body, dict(fault.headers), fault.delay)

    # --- plumbing -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:41234."""
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeServer:
        """Listen on an ephemeral loopback port in a daemon thread."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes; with Nagle on, the client's delayed
            # ACK stalls every keep-alive response by ~40 ms.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def _handle(self) -> None:
                fake._dispatch(self)

            do_GET = do_POST = do_PUT = do_DELETE = _handle  # noqa: N815

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def _dispatch(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        counter = self.counter_for(handler.command, parts.path)
        with self._lock:
            number = self._counts.get(counter, 0) + 1
            self._counts[counter] = number
        request = Request(
            method=handler.command,
            path=parts.path,
            query={k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
            headers={k.lower(): v for k, v in handler.headers.items()},
            body=body,
            number=number,
            counter=counter,
            raw_query=parts.query,
        )
        with self._lock:
            self.requests.append(request)
        fault = self.faults.get((counter, number))
        malformed = False
        if fault is not None:
            if fault.malformed:
                reply = self.route(request)
                malformed = True
            else:
                reply = self.fault_reply(fault, request)
            reply.delay = max(reply.delay, fault.delay)
        else:
            reply = self.route(request)
        if reply.delay:
            time.sleep(reply.delay)
        if isinstance(reply.body, bytes):
            payload = reply.body
        elif reply.body is None:
            payload = b""
        else:
            payload = json.dumps(reply.body, ensure_ascii=False).encode()
        if malformed:
            payload = payload[: max(1, len(payload) // 2)]
        try:
            handler.send_response(reply.status)
            headers: dict[str, str] = {"Content-Type": "application/json; charset=UTF-8"}
            if request.headers.get("connection", "").lower() == "close":
                # Say so, as real servers do: otherwise the client pools a socket we close.
                headers["Connection"] = "close"
            for name, value in {**headers, **reply.headers}.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test); nothing to answer
