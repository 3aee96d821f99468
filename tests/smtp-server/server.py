#!/usr/bin/env python3
"""A real SMTP server for Convene's tests: aiosmtpd (PyPI) on 127.0.0.1.

Every message it accepts is written to DIR as NNNN.json:
{"mail_from": ..., "rcpt_tos": [...], "data": "the whole message as sent"}.
It prints "ready PORT" on standard output once it listens, and runs until killed (or
until its standard input closes).

Usage: python server.py --port PORT --out DIR [--refuse ADDRESS ...] [--drop N]
Addresses given with --refuse are answered 550 at RCPT TO (a permanent refusal).
With --drop N, the first N messages are lost mid-way: the connection is closed once the
message has been sent, before any answer (and nothing is kept).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import threading
from pathlib import Path

from aiosmtpd.controller import Controller


class Keep:
    def __init__(self, out: Path, refuse: set[str], drop: int) -> None:
        self.out = out
        self.refuse = refuse
        self.drop = drop
        self.count = itertools.count(1)
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            dropping = self.drop > 0
            if dropping:
                self.drop -= 1
        if dropping:
            server.transport.close()
            return "421 4.3.0 Connection dropped"
        with self.lock:
            n = next(self.count)
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": envelope.content.decode("utf-8", "replace"),
        }
        tmp = self.out / f"{n:04d}.tmp"
        tmp.write_text(json.dumps(record), encoding="utf-8")
        tmp.rename(self.out / f"{n:04d}.json")
        return "250 Message accepted for delivery"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--refuse", nargs="*", default=[])
    parser.add_argument("--drop", type=int, default=0)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    handler = Keep(args.out, {a.lower() for a in args.refuse}, args.drop)
    controller = Controller(handler, hostname="127.0.0.1", port=args.port)
    controller.start()
    print(f"ready {args.port}", flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
