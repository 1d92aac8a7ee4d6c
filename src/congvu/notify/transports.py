"""The ways a message leaves: an SMTP server, an HTTP SMS gateway, or the local demo mailbox.

Every attempt carries the message's idempotency key — in the e-mail's Message-ID (and an
X-Congvu-Idempotency-Key header), in the SMS gateway's `Idempotency-Key` header and JSON body — so that
when a worker dies after the receiver accepted a message but before the row was marked sent, the resend is
recognisable and the receiver drops it.

The SMS gateway contract: `POST <CONGVU_SMS_URL>` with `Authorization: Bearer <CONGVU_SMS_TOKEN>`,
`Idempotency-Key: <key>`, `Content-Type: application/json; charset=utf-8` and the body
`{"to": "+84…", "text": "…", "idempotency_key": "…", "message_id": <outbox id>}`. Any 2xx answer is success
(also for a key it has seen before); 400 and 422 mean the message itself is refused (no retry); anything
else, or no answer within CONGVU_SMS_TIMEOUT, is retried later.
"""

from __future__ import annotations

import json
import smtplib
import socket
import urllib.error
import urllib.request
from email.utils import parseaddr
from urllib.parse import quote

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage, get_connection

from congvu.notify import conf
from congvu.notify.models import Channel, OutboxMessage, Transport

# Characters a Message-ID's left part may hold unescaped (RFC 5322 atext, minus "%" which escapes the rest
# and "." which may not repeat): quoting with "%" keeps every key distinct and reversible.
_MSGID_SAFE = "!#$&'*+-/=?^_`{|}~"
PERMANENT_HTTP_STATUSES = {400, 422}


class DeliveryError(Exception):
    """A failed attempt. `permanent`: retrying cannot help (the receiver refused the message itself)."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.message = message
        self.permanent = permanent


def message_id(key: str, domain: str) -> str:
    return f"<{quote(key, safe=_MSGID_SAFE)}@{domain or 'congvu.local'}>"


class MailboxTransport:
    """The demo mailbox: the message is delivered by being marked so; staff read it on the mailbox page."""

    name = Transport.MAILBOX

    def send(self, message: OutboxMessage) -> None:
        return None


class SmtpTransport:
    name = Transport.SMTP

    def __init__(self, config: conf.SmtpConfig):
        self.config = config

    def send(self, message: OutboxMessage) -> None:
        config = self.config
        if not config.from_address:
            raise DeliveryError("Chưa cấu hình địa chỉ gửi thư (CONGVU_SMTP_FROM).")
        domain = parseaddr(config.from_address)[1].rpartition("@")[2]
        connection = get_connection(
            "django.core.mail.backends.smtp.EmailBackend", host=config.host, port=config.port,
            username=config.user or None, password=config.password or None, use_tls=config.tls == "starttls",
            use_ssl=config.tls == "ssl", timeout=config.timeout, fail_silently=False,
        )
        email = EmailMessage(
            subject=message.subject, body=message.body, from_email=config.from_address, to=[message.recipient], connection=connection,
            headers={
                "Message-ID": message_id(message.idempotency_key, domain),
                "X-Congvu-Idempotency-Key": message.idempotency_key,
                "Auto-Submitted": "auto-generated",  # RFC 3834: no vacation auto-replies to a no-reply sender
            },
        )
        try:
            sent = email.send()
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _text in exc.recipients.values()]
            detail = "; ".join(f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}" for code, text in exc.recipients.values())
            raise DeliveryError(f"Máy chủ thư từ chối người nhận: {detail}", permanent=all(c >= 500 for c in codes)) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"Máy chủ thư từ chối đăng nhập ({exc.smtp_code}); kiểm tra CONGVU_SMTP_USER/PASSWORD.") from None
        except smtplib.SMTPResponseException as exc:
            text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
            raise DeliveryError(f"Máy chủ thư trả lời lỗi {exc.smtp_code}: {text}") from None
        except (TimeoutError, socket.timeout):
            raise DeliveryError(f"Máy chủ thư {config.host}:{config.port} không trả lời sau {config.timeout:g} giây.") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"Không gửi được thư qua {config.host}:{config.port}: {exc}") from None
        if sent != 1:
            raise DeliveryError("Máy chủ thư không nhận thư.")


class SmsGatewayTransport:
    name = Transport.SMS_GATEWAY

    def __init__(self, config: conf.SmsConfig):
        self.config = config

    def send(self, message: OutboxMessage) -> None:
        config = self.config
        payload = {"to": message.recipient, "text": message.body, "idempotency_key": message.idempotency_key, "message_id": message.pk}
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "Idempotency-Key": message.idempotency_key,
            "User-Agent": "congvu-notify",
        }
        if config.token:
            headers["Authorization"] = f"Bearer {config.token}"
        request = urllib.request.Request(config.url, data=json.dumps(payload, ensure_ascii=False).encode("utf-8"), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=config.timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            body = _readable(exc.read(2000))
            raise DeliveryError(f"Cổng SMS trả lời HTTP {exc.code}: {body or exc.reason}", permanent=exc.code in PERMANENT_HTTP_STATUSES) from None
        except (TimeoutError, socket.timeout):
            raise DeliveryError(f"Cổng SMS không trả lời sau {config.timeout:g} giây.") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, (TimeoutError, socket.timeout)):
                raise DeliveryError(f"Cổng SMS không trả lời sau {config.timeout:g} giây.") from None
            raise DeliveryError(f"Không kết nối được cổng SMS: {reason}") from None
        except OSError as exc:
            raise DeliveryError(f"Lỗi kết nối cổng SMS: {exc}") from None


def _readable(raw: bytes) -> str:
    """A gateway's error answer as an administrator can read it: JSON without \\u escapes, at most 500 characters."""
    text = raw.decode("utf-8", errors="replace").strip()
    try:
        text = json.dumps(json.loads(text), ensure_ascii=False)
    except ValueError:
        pass
    return text[:500]


def transport_for(channel: str):
    """The transport configured now for `channel` (the demo mailbox when the channel is not configured)."""
    if channel == Channel.EMAIL:
        config = conf.smtp()
        return SmtpTransport(config) if config else MailboxTransport()
    if channel == Channel.SMS:
        config = conf.sms()
        return SmsGatewayTransport(config) if config else MailboxTransport()
    raise ValueError(f"unknown channel {channel!r}")


def describe_channels() -> dict[str, str]:
    """Where each channel's messages go, in Vietnamese, for the worker's and the demo's banners."""
    smtp, sms = conf.smtp(), conf.sms()
    return {
        Channel.EMAIL: smtp.describe if smtp else "hộp thư demo (không gửi ra ngoài)",
        Channel.SMS: sms.describe if sms else "hộp thư demo (không gửi ra ngoài)",
    }


@dataclass(frozen=True)
class ChannelSetup:
    """Where one channel's messages go now, for the staff pages: `transport` is a Transport value, or "" when
    the configuration is wrong (then `error` says why)."""

    channel: str
    transport: str
    address: str = ""
    error: str = ""


def channel_setups() -> list[ChannelSetup]:
    setups = []
    for channel, read, transport in ((Channel.EMAIL, conf.smtp, Transport.SMTP), (Channel.SMS, conf.sms, Transport.SMS_GATEWAY)):
        try:
            config = read()
        except ImproperlyConfigured as exc:
            setups.append(ChannelSetup(channel, "", error=str(exc)))
            continue
        if config is None:
            setups.append(ChannelSetup(channel, Transport.MAILBOX))
        else:
            address = f"{config.host}:{config.port}" if channel == Channel.EMAIL else config.url
            setups.append(ChannelSetup(channel, transport, address))
    return setups
