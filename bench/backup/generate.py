#!/usr/bin/env python3
"""Deterministic mail corpus for the backup benchmark, written as a Maildir.

usage: generate.py MAILDIR COUNT [FIRST] [SEED]

COUNT RFC 822 messages numbered from FIRST (0) into MAILDIR/cur (INBOX, 80 %) and
MAILDIR/.Archive/cur (20 %). About 50 KB a message on average: a quarter carry a base64
attachment drawn from a pool of 400 (incompressible bytes, 40-250 KB, the same encoding every
time it recurs), the rest are text of 2-12 KB; 3 % are exact copies of an earlier message of the
run. The same SEED, COUNT and FIRST always give the same bytes.
"""
import base64
import os
import random
import sys

WORDS = ("the of and to in is that for it as was with be by on not he this are or his from at which but have an they you were "
         "her she there been one all we their has would when if so no will what can out up about into them more some could "
         "time these two may then do first any my now such like our over man me even most made after also did many before "
         "must through back years where much your way well down should because each just those people how too little state "
         "good very make world still own see men work long get here between both life being under never day same another know "
         "while last might us great old year off come since against go came right used take three invoice meeting report "
         "budget quarter project schedule customer backup server mailbox review draft contract approval").split()
NAMES = ["Ann Example", "Bob Sample", "Chloé Dupont", "Jörg Müller", "Søren Kierkegaard", "Li Wei", "María García", "Olu Ade",
         "Priya Patel", "Ivan Petrov", "Yuki Tanaka", "Sam O'Brien"]
POOL = 400


def attachment(rng_seed, index):
    rng = random.Random(rng_seed * 1_000_003 + index)
    size = rng.randint(40_000, 250_000)
    data = rng.randbytes(size)
    encoded = base64.encodebytes(data).replace(b"\n", b"\r\n")  # 76 columns, CRLF, final newline
    return f"file-{index:03d}.{rng.choice(['pdf', 'png', 'xlsx', 'docx', 'zip'])}", encoded


def text(rng, low, high):
    target = rng.randint(low, high)
    lines, size = [], 0
    while size < target:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))).capitalize() + "."
        lines.append(line)
        size += len(line) + 2
    return "\r\n".join(lines) + "\r\n"


def header_word(value):
    try:
        value.encode("ascii")
        return value
    except UnicodeEncodeError:
        return "=?UTF-8?B?" + base64.b64encode(value.encode("utf-8")).decode("ascii") + "?="


def message(seed, n, pool_cache):
    rng = random.Random(seed * 7919 + n)
    sender = rng.choice(NAMES)
    to = rng.choice(NAMES)
    subject = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 7))).capitalize()
    day = 1 + n % 28
    date = f"{['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][n % 7]}, {day:02d} Mar 2026 {n % 24:02d}:{n % 60:02d}:{(n * 7) % 60:02d} +0000"
    addr = lambda name: f"{header_word(name)} <{name.split()[0].lower().encode('ascii', 'ignore').decode() or 'x'}@example.test>"
    head = (f"From: {addr(sender)}\r\nTo: {addr(to)}\r\nSubject: {header_word(subject)}\r\nDate: {date}\r\n"
            f"Message-ID: <bench-{seed}-{n}@example.test>\r\nMIME-Version: 1.0\r\n")
    body = text(rng, 2_000, 12_000)
    if rng.random() < 0.25:
        index = rng.randrange(POOL)
        if index not in pool_cache:
            pool_cache[index] = attachment(seed, index)
        name, encoded = pool_cache[index]
        boundary = f"b{seed}x{n}"
        return (head + f"Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n"
                + f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}"
                + f"--{boundary}\r\nContent-Type: application/octet-stream; name=\"{name}\"\r\n"
                + f"Content-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n").encode() \
            + encoded + f"--{boundary}--\r\n".encode()
    return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode()


def main():
    maildir, count = sys.argv[1], int(sys.argv[2])
    first = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 20261123
    for folder in ("", ".Archive"):
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(maildir, folder, sub), exist_ok=True)
    pick = random.Random(seed + first)
    pool_cache, written, total = {}, [], 0
    for n in range(first, first + count):
        if written and pick.random() < 0.03:
            raw = written[pick.randrange(len(written))]  # an exact duplicate (the same mail delivered twice)
        else:
            raw = message(seed, n, pool_cache)
        if len(written) < 2000:
            written.append(raw)
        folder = ".Archive" if n % 5 == 4 else ""
        path = os.path.join(maildir, folder, "cur", f"{1774000000 + n}.M{n}P1.bench,S={len(raw)}:2,S")
        with open(path, "wb") as f:
            f.write(raw)
        total += len(raw)
    print(f"messages={count} bytes={total}")


if __name__ == "__main__":
    main()
