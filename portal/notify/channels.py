"""The channels a message goes by: email over SMTP, and the group robots of 企业微信 and 钉钉.

Each `deliver_*` either returns (the server took the message) or raises `DeliveryFailed` with a
Chinese reason for the send log. The robot JSON is the documented "text" message of each:
企业微信 {"msgtype": "text", "text": {"content": …}} to …/cgi-bin/webhook/send?key=…, answered by
{"errcode": 0}; 钉钉 the same body to …/robot/send?access_token=…, and for a robot with 加签 the
query gains timestamp (ms) and sign = urlencode(base64(HMAC-SHA256(secret, "timestamp\\nsecret"))).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from email.message import EmailMessage
from email.utils import formatdate

from portal.core.settings import Settings

EMAIL, WECOM, DINGTALK = "email", "wecom", "dingtalk"
CHANNEL_LABELS = {EMAIL: "邮件", WECOM: "企业微信群", DINGTALK: "钉钉群"}

# Seconds to wait for a mail server or a robot: long enough for a slow server, short enough that
# a dead one does not stall a cron run for minutes.
NETWORK_TIMEOUT = 20


class DeliveryFailed(Exception):
    """The message did not reach the server; `reason` is Chinese, for the send log."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def webhook_channel(url: str) -> str:
    """钉钉 robots are addressed by access_token (…/robot/send), 企业微信 ones by key."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qs(parts.query)
    return DINGTALK if "access_token" in query or parts.path.endswith("/robot/send") else WECOM


def shown_address(channel: str, recipient: str) -> str:
    """A recipient as the send log shows it: a robot's address without its key, token or secret."""
    if channel == EMAIL:
        return recipient
    parts = urllib.parse.urlsplit(recipient)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """钉钉 加签: base64 of HMAC-SHA256 over "timestamp\\nsecret" keyed by the secret, url-encoded."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode())


def deliver(
    settings: Settings, message_id: int, channel: str, recipient: str, subject: str, body: str
) -> None:
    if channel == EMAIL:
        deliver_email(settings, message_id, recipient, subject, body)
    else:
        deliver_webhook(recipient, subject, body)


def deliver_email(settings: Settings, message_id: int, to: str, subject: str, body: str) -> None:
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=True)
    # The same id on a re-delivery after a crash lets a mail client show the duplicate as one.
    host = urllib.parse.urlsplit(settings.portal_url).hostname or "portal.invalid"
    msg["Message-ID"] = f"<outbox-{message_id}@{host}>"
    msg.set_content(body)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=NETWORK_TIMEOUT) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(msg)
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryFailed(f"邮件服务器拒收收件人 {to}：{_smtp_reason(exc.recipients.get(to))}") from exc
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryFailed(
            f"邮件服务器登录失败（{exc.smtp_code}），请检查 smtp_user 和 smtp_password。"
        ) from exc
    except smtplib.SMTPResponseException as exc:
        raise DeliveryFailed(f"邮件服务器拒绝发送（{exc.smtp_code}）：{_text(exc.smtp_error)}") from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryFailed(f"无法连接邮件服务器 {settings.smtp_host}:{settings.smtp_port}：{exc}") from exc


def _text(raw) -> str:
    return raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)


def _smtp_reason(pair) -> str:
    return f"{pair[0]} {_text(pair[1])}" if pair else "未说明原因"


def robot_payload(subject: str, body: str) -> dict:
    return {"msgtype": "text", "text": {"content": f"{subject}\n{body}"}}


def deliver_webhook(url: str, subject: str, body: str, now_ms: int | None = None) -> None:
    parts = urllib.parse.urlsplit(url)
    secret = urllib.parse.parse_qs(parts.fragment).get("secret", [""])[0]
    target = urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))
    if secret and webhook_channel(url) == DINGTALK:
        stamp = now_ms if now_ms is not None else int(time.time() * 1000)
        joiner = "&" if parts.query else "?"
        target += f"{joiner}timestamp={stamp}&sign={dingtalk_sign(secret, stamp)}"
    data = json.dumps(robot_payload(subject, body), ensure_ascii=False).encode()
    request = urllib.request.Request(
        target, data=data, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    shown = shown_address(WECOM, url)
    try:
        with urllib.request.urlopen(request, timeout=NETWORK_TIMEOUT) as response:
            answer = response.read()
    except urllib.error.HTTPError as exc:
        raise DeliveryFailed(f"群机器人 {shown} 返回 HTTP {exc.code}。") from exc
    except (OSError, ValueError) as exc:
        raise DeliveryFailed(f"无法连接群机器人 {shown}：{exc}") from exc
    try:
        errcode = json.loads(answer or b"{}").get("errcode", 0)
        errmsg = json.loads(answer or b"{}").get("errmsg", "")
    except (ValueError, AttributeError):
        raise DeliveryFailed(f"群机器人 {shown} 的应答不是 JSON。") from None
    if errcode:
        raise DeliveryFailed(f"群机器人 {shown} 拒绝消息：错误码 {errcode}，{errmsg}")
