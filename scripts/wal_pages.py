#!/usr/bin/env python3
"""scripts/wal_pages.py: which b-trees a commit writes, page by page (BENCHMARKS.md, "Persist").

Reads the frame headers of a live Frontdesk database's WAL (each frame is one 4 KiB page written by a
commit; a frame with a non-zero "database size" ends its commit), maps each page number to the table or
index it belongs to with SQLite's `dbstat` table, and prints the distinct pages per commit by b-tree.

Usage: scripts/wal_pages.py DATA_DIR [MESSAGES_PER_COMMIT]
       (run it while the server is under load, e.g. during `frontdesk-bench persist`: the bench's data
       directory is /tmp/frontdesk-bench-*; with MESSAGES_PER_COMMIT, the bench's mean group size, it
       also prints pages per message).
Needs python3's sqlite3 module built with dbstat (Debian's is). Reads only: the WAL is copied first, then
the page map is read in a read transaction of its own (a page keeps its b-tree once allocated: nothing
is deleted under the benchmark's load, so pages in the copied WAL are all in the later map).
"""
import collections
import os
import shutil
import sqlite3
import struct
import sys
import tempfile


def frames(wal):
    """(commits, pages per commit): each commit a list of page numbers, from the WAL's current salt."""
    with open(wal, "rb") as f:
        head = f.read(32)
        if len(head) < 32:
            return []
        _magic, _ver, page_size, _seq, salt1, salt2 = struct.unpack(">IIIIII", head[:24])
        commits, cur = [], []
        while True:
            fh = f.read(24)
            if len(fh) < 24:
                break
            pgno, size, s1, s2 = struct.unpack(">IIII", fh[:16])
            if (s1, s2) != (salt1, salt2):
                break  # frames of an earlier WAL generation
            if len(f.read(page_size)) < page_size:
                break
            cur.append(pgno)
            if size:
                commits.append(cur)
                cur = []
        return commits


def main():
    data = sys.argv[1]
    group = float(sys.argv[2]) if len(sys.argv) > 2 else None
    db = os.path.join(data, "frontdesk.db")
    tmp = tempfile.mkdtemp()
    try:
        wal = os.path.join(tmp, "wal")
        shutil.copyfile(db + "-wal", wal)
        commits = frames(wal)
    finally:
        shutil.rmtree(tmp)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    owner = dict((p, n) for n, p in conn.execute("SELECT name, pageno FROM dbstat"))
    # Only commits of the load (a search-indexing batch or a checkpoint-sized commit would skew it):
    # the commits that wrote a messages page.
    load = [c for c in commits if any(owner.get(p) == "messages" for p in c)]
    if not load:
        print("no message commits in the WAL copy")
        return
    per = collections.Counter()
    frames_n = 0
    for c in load:
        frames_n += len(c)
        for p in set(c):
            per[owner.get(p, "(new page)")] += 1
    n = len(load)
    total = sum(per.values())
    print(f"{n} commits in the WAL with a message; {frames_n / n:.1f} frames, {total / n:.1f} distinct pages per commit")
    print(f"{'b-tree':<40} {'pages/commit':>12}" + (f" {'pages/msg':>10}" if group else ""))
    for name, k in per.most_common():
        line = f"{name:<40} {k / n:>12.1f}"
        if group:
            line += f" {k / n / group:>10.2f}"
        print(line)
    if group:
        print(f"{'total':<40} {total / n:>12.1f} {total / n / group:>10.2f}")
    # The commits without a message (search indexing's batches, reports, upkeep), per message commit.
    other = [c for c in commits if c not in load]
    if other:
        per = collections.Counter(owner.get(p, "(new page)") for c in other for p in set(c))
        total = sum(per.values())
        print(f"{len(other)} other commits in the same WAL, {total / n:.1f} pages per message commit:")
        for name, k in per.most_common(8):
            line = f"  {name:<38} {k / n:>12.1f}"
            if group:
                line += f" {k / n / group:>10.2f}"
            print(line)


if __name__ == "__main__":
    main()
