"""Real servers on loopback for the notification tests: an SMTP server (aiosmtpd) standing in for
the mail server, and an HTTP receiver standing in for the 企业微信 and 钉钉 group robots."""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import json
import socket
import threading
import urllib.parse
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Collect:
    def __init__(self, inbox: list[Message]):
        self.inbox = inbox

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.inbox.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        return "250 OK"


class SmtpServer:
    """A mail server that can be stopped and started again on the same port; `inbox` keeps every
    message it accepted, across restarts."""

    def __init__(self):
        self.port = free_port()
        self.inbox: list[Message] = []
        self._controller: Controller | None = None

    def start(self) -> SmtpServer:
        self._controller = Controller(_Collect(self.inbox), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[Message]:
        return [m for m in self.inbox if m["To"] == address]


def expected_dingtalk_sign(secret: str, timestamp: str) -> str:
    """What 钉钉 checks, written out from its documentation (independently of portal.notify.channels)."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(), digestmod=hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


class RobotReceiver:
    """Group robots on loopback. A POST to …/robot/send is 钉钉: when `dingtalk_secret` is set the
    timestamp and sign must verify, else it answers errcode 310000 as 钉钉 does. Anything else is
    企业微信. `received` keeps (path, query, JSON body) of every accepted message."""

    def __init__(self, dingtalk_secret: str | None = None):
        self.dingtalk_secret = dingtalk_secret
        self.received: list[tuple[str, dict, dict]] = []
        self.refused: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                parts = urllib.parse.urlsplit(self.path)
                query = {k: v[0] for k, v in urllib.parse.parse_qs(parts.query).items()}
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                answer = {"errcode": 0, "errmsg": "ok"}
                if parts.path.endswith("/robot/send") and receiver.dingtalk_secret:
                    want = expected_dingtalk_sign(receiver.dingtalk_secret, query.get("timestamp", ""))
                    if query.get("sign") != want:  # parse_qs has url-decoded it
                        answer = {"errcode": 310000, "errmsg": "sign not match"}
                if answer["errcode"]:
                    receiver.refused.append(self.path)
                else:
                    receiver.received.append((parts.path, query, body))
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> RobotReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
