"""A real SMTP server on loopback for collector/tests/notify_channels.rs.

Runs aiosmtpd (https://aiosmtpd.aio-libs.org). Install with
`python3 -m pip install aiosmtpd==1.4.6` (or Debian's `python3-aiosmtpd`).

Usage: smtp_sink.py PORT [--starttls CERT KEY | --tls CERT KEY]

Prints one JSON line {"ready": PORT} once it accepts connections, then one
JSON line per message received (envelope, TLS state and the parsed
message), and exits when its standard input closes.
"""

import asyncio
import email
import email.policy
import json
import ssl
import sys
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        plain = msg.get_body(("plain",))
        html = msg.get_body(("html",))
        print(
            json.dumps(
                {
                    "mail_from": envelope.mail_from,
                    "rcpt_tos": envelope.rcpt_tos,
                    "tls": session.ssl is not None
                    or server.transport.get_extra_info("ssl_object") is not None,
                    "subject": str(msg["subject"]),
                    "message_id": str(msg["message-id"]),
                    "date": str(msg["date"]),
                    "text": plain.get_content() if plain else None,
                    "html": html.get_content() if html else None,
                }
            ),
            flush=True,
        )
        return "250 2.0.0 Ok: queued as CAUDAL%d" % self.count


def main():
    port = int(sys.argv[1])
    kwargs = {}
    if len(sys.argv) == 5:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(sys.argv[3], sys.argv[4])
        if sys.argv[2] == "--starttls":
            kwargs = {"tls_context": ctx, "require_starttls": True}
        elif sys.argv[2] == "--tls":
            kwargs = {"ssl_context": ctx}
        else:
            sys.exit("unknown mode " + sys.argv[2])
    # A fixed greeting name: aiosmtpd otherwise asks the resolver for the FQDN.
    controller = Controller(
        Sink(), hostname="127.0.0.1", port=port, server_hostname="caudal-test", **kwargs
    )
    controller.start()
    print(json.dumps({"ready": port}), flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
