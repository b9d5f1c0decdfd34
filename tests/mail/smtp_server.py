"""A real SMTP server for the email tests: aiosmtpd (Debian's python3-aiosmtpd) on loopback.

Usage: /usr/bin/python3 smtp_server.py PORT DIR

Every accepted mail is stored in the Maildir DIR/mail (as aiosmtpd's Mailbox handler does). Files in
DIR switch its behaviour, so a test can change it while it runs:
  DIR/refuse  -> 451 4.3.0 for every message (a temporary failure: the sender must retry)
  DIR/reject  -> 550 5.7.1 for every message (a permanent one)
  DIR/slow    -> wait that many seconds (the file's content) before answering the data; the mail is
                 stored once the wait is over even if the client is gone (the crash window)
"""
import asyncio
import mailbox
import os
import sys

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, root):
        self.root = root
        self.box = mailbox.Maildir(os.path.join(root, "mail"), create=True)

    def flag(self, name):
        return os.path.exists(os.path.join(self.root, name))

    async def handle_DATA(self, server, session, envelope):
        if self.flag("reject"):
            return "550 5.7.1 Relaying denied for this test"
        if self.flag("refuse"):
            return "451 4.3.0 Mailbox busy, try again later"
        if self.flag("slow"):
            with open(os.path.join(self.root, "slow")) as f:
                await asyncio.sleep(float(f.read().strip() or "5"))
        self.box.add(envelope.original_content or envelope.content)
        return "250 2.0.0 Stored for the test"


def main():
    port, root = int(sys.argv[1]), sys.argv[2]
    c = Controller(Handler(root), hostname="127.0.0.1", port=port)
    c.start()
    print("ready", flush=True)
    try:
        sys.stdin.read()  # until the test closes our stdin (or dies)
    finally:
        c.stop()


if __name__ == "__main__":
    main()
