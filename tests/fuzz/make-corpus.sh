#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/fuzz/make-corpus.sh — (re)creates the seed corpora of the fuzzers:
#
#   corpus/bencode/   hand-written bencode, valid (valid-*) and not (bad-*)
#   corpus/metainfo/  .torrent files made by mktorrent (mktorrent-*) and
#                     transmission-create (transmission-*) over tiny folders,
#                     and hand-made hostile ones (hostile-*)
#
# It writes only the files it names and leaves the rest alone, in particular
# the crash-* reproducers, committed by hand and listed here with the bug
# each shows (its replay test fails until the bug is fixed):
#
#   metainfo/crash-c1-control-in-name.torrent
#       a name (or path component) holding U+009B, the C1 control CSI, is
#       kept in the name, paths and warnings: bt_path_sanitize_component()
#       replaces only ASCII controls, so a torrent can send escape sequences
#       to a terminal that shows them.
#   metainfo/crash-numbered-path-too-long.torrent
#       two files whose path is exactly 3072 bytes with a 2-byte last name:
#       numbering the second (bt_path_add_counter()) makes it 3073 bytes,
#       over BT_METAINFO_MAX_PATH_LENGTH.
#
# And one seed that found a bug when it was written: bencode/valid-dict-empty
# (memcpy from the NULL pdata of an empty dictionary in encode_value(),
# undefined behaviour that UBSan reports; fixed in 3f8cf16).
#
# The tool-made torrents carry a creation date, so rerunning changes their
# bytes but not what they cover.
#
# Needs mktorrent, transmission-cli and python3 (apt-get install mktorrent
# transmission-cli). Usage: tests/fuzz/make-corpus.sh

set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
bencode_dir=$here/corpus/bencode
metainfo_dir=$here/corpus/metainfo
mkdir -p "$bencode_dir" "$metainfo_dir"

for tool in mktorrent transmission-create python3; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "make-corpus: $tool is missing (apt-get install mktorrent transmission-cli python3)" >&2
    exit 1
  }
done

# --- bencode ------------------------------------------------------------------

seed () { printf '%s' "$2" >"$bencode_dir/$1"; }

seed valid-int-zero            'i0e'
seed valid-int-negative        'i-42e'
seed valid-int-max             'i9223372036854775807e'
seed valid-int-min             'i-9223372036854775808e'
seed valid-string-empty        '0:'
seed valid-string              '4:spam'
seed valid-list-empty          'le'
seed valid-dict-empty          'de'
seed valid-list                'l4:spami42ee'
seed valid-dict                'd3:bar4:spam3:fooi42ee'
seed valid-nested              'd4:infod5:filesld6:lengthi1e4:pathl1:aeee4:name1:xee'
seed valid-dict-unsorted       'd3:foo1:a3:bar1:be'
seed valid-key-prefix          'd1:a0:2:aa0:2:ab0:e'
seed valid-deep-20             "$(printf 'l%.0s' {1..20})$(printf 'e%.0s' {1..20})"
seed valid-many-elements       "l$(printf 'i1e%.0s' {1..40})e"
printf 'd3:bin5:\x00\x01\xff\xfe\x80e' >"$bencode_dir/valid-string-binary"
printf 'd2:\x00a1:x1:a1:ye' >"$bencode_dir/valid-key-nul"

seed bad-empty                 ''
seed bad-int-negative-zero     'i-0e'
seed bad-int-leading-zero      'i03e'
seed bad-int-overflow          'i9223372036854775808e'
seed bad-int-underflow         'i-9223372036854775809e'
seed bad-int-no-digits         'ie'
seed bad-int-minus-only        'i-e'
seed bad-int-unterminated      'i42'
seed bad-string-leading-zero   '04:spam'
seed bad-string-truncated      '5:abc'
seed bad-string-huge-length    '18446744073709551616:x'
seed bad-string-no-colon       '4spam'
seed bad-dict-key-no-value     'd1:ae'
seed bad-dict-int-key          'di1ei2ee'
seed bad-dict-duplicate        'd1:a1:b1:a1:ce'
seed bad-dict-duplicate-unsorted 'd1:b0:1:a0:1:b0:e'
seed bad-trailing              'i1ei2e'
seed bad-list-unterminated     'l4:spam'
seed bad-stray-end             'e'
seed bad-unknown-byte          'x'
seed bad-deep-200              "$(printf 'l%.0s' {1..200})$(printf 'e%.0s' {1..200})"

# --- metainfo: made by real tools --------------------------------------------

work=$(mktemp -d "${TMPDIR:-/tmp}/btorrent-corpus.XXXXXX")
trap 'rm -rf -- "$work"' EXIT

# Deterministic contents: the same bytes, so the same piece hashes, each run.
fill () { mkdir -p "$(dirname "$1")"; head -c "$2" /dev/zero | tr '\0' "$3" >"$1"; }

fill "$work/single/hello.txt" 1000 h

fill "$work/multi/readme.txt" 300 r
fill "$work/multi/sub/data.bin" 40000 d
fill "$work/multi/sub/deeper/note.txt" 17 n
: >"$work/multi/empty.txt"

fill "$work/unicode/dossier été/résumé.txt" 100 u
fill "$work/unicode/日本/ファイル.txt" 50 j

mk () { local out=$1; shift; rm -f "$metainfo_dir/$out"; mktorrent -l 15 -o "$metainfo_dir/$out" "$@" >/dev/null; }

mk mktorrent-single.torrent -d -a http://tracker.example/announce "$work/single/hello.txt"
mk mktorrent-multi.torrent -d -a http://tracker.example/announce "$work/multi"
mk mktorrent-private-tiers.torrent -d -p \
  -a http://one.example/announce,udp://two.example:6969/announce \
  -a http://three.example/announce \
  -w http://seed.example/files/ -c 'a comment' -s SOURCE "$work/multi"
mk mktorrent-unicode.torrent -d -a http://tracker.example/announce -n 'ünïcødé' "$work/unicode"

tc () {
  local out=$1; shift
  rm -f "$metainfo_dir/$out"
  transmission-create -s 16 -o "$metainfo_dir/$out" "$@" >/dev/null
  chmod 644 "$metainfo_dir/$out" # transmission-create writes 0600
}

tc transmission-single.torrent -t http://tracker.example/announce "$work/single/hello.txt"
tc transmission-multi.torrent -t http://tracker.example/announce "$work/multi"
tc transmission-private-tiers.torrent -p -c 'a comment' \
  -t http://one.example/announce -t udp://two.example:6969/announce \
  -t http://three.example/announce "$work/multi"
tc transmission-no-tracker.torrent "$work/unicode"

# --- metainfo: hostile, hand-made ---------------------------------------------

# Each has the piece hashes its sizes need (zeros: the parser does not check
# them against data), so it gets past the pieces to the part it attacks.
python3 - "$metainfo_dir" <<'EOF'
import os
import sys

out = sys.argv[1]

def enc(v):
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, str):
        v = v.encode()
    if isinstance(v, bytes):
        return b"%d:%s" % (len(v), v)
    if isinstance(v, list):
        return b"l" + b"".join(enc(x) for x in v) + b"e"
    if isinstance(v, dict):
        # Insertion order, not sorted: some seeds want unsorted keys.
        return b"d" + b"".join(enc(k) + enc(x) for k, x in v.items()) + b"e"
    raise TypeError(v)

def srt(d):
    return dict(sorted(d.items(), key=lambda kv: kv[0].encode() if isinstance(kv[0], str) else kv[0]))

def info(files=None, length=None, name="t", piece_length=16384, extra=None, n_pieces=None):
    total = length if files is None else sum(f["length"] for f in files)
    n = (total + piece_length - 1) // piece_length if n_pieces is None else n_pieces
    d = {"name": name, "piece length": piece_length, "pieces": b"\0" * (20 * n)}
    if files is None:
        d["length"] = length
    else:
        d["files"] = files
    d.update(extra or {})
    return srt(d)

def torrent(fname, inf, extra=None, sort=True):
    d = {"announce": "http://tracker.example/announce", "info": inf}
    d.update(extra or {})
    with open(os.path.join(out, fname), "wb") as f:
        f.write(enc(srt(d) if sort else d))

def f(length, *path, **kw):
    d = {"length": length, "path": list(path)}
    d.update(kw)
    return srt(d)

torrent("hostile-traversal.torrent", info([
    f(10, "..", "..", "etc", "passwd"),
    f(10, "/etc", "shadow"),
    f(10, "a/../../b"),
    f(10, ".", "", "c"),
]))
torrent("hostile-name-dotdot.torrent", info([f(5, "x")], name=".."))
torrent("hostile-name-empty-single.torrent", info(length=5, name=""))
torrent("hostile-name-slash.torrent", info(length=5, name="/etc/passwd"))
torrent("hostile-duplicates.torrent", info([
    f(10, "same.txt"), f(20, "same.txt"), f(30, "same.1.txt"), f(5, "same.txt"),
]))
torrent("hostile-file-is-folder.torrent", info([
    f(10, "a"), f(10, "a", "b"), f(10, "a", "b", "c"), f(1, "a.1"),
]))
torrent("hostile-empty-paths.torrent", info([
    f(1), f(2, ""), f(3, ".", ".."), f(4, "_"),
]))
torrent("hostile-pad-files.torrent", info([
    f(1000, "a.bin"),
    f(15384, ".pad", "15384", attr="p"),
    f(1000, "b.bin", attr="xh"),
    f(15384, ".pad", "15384", attr="p"),
    f(1, "a.bin"),
]))
torrent("hostile-control-chars.torrent", info([
    f(1, "new\nline"), f(1, "tab\there"), f(1, "nul\0byte"), f(1, "del\x7f"),
]))
torrent("hostile-latin1.torrent", info([
    f(1, b"caf\xe9"), f(1, b"caf%E9"), f(1, b"\xff\xfe"),
], name=b"r\xe9pertoire"))
torrent("hostile-path-utf8.torrent", info([
    f(1, b"\xe9t\xe9", **{"path.utf-8": ["été"]}),
    f(1, "ok", **{"path.utf-8": [b"\xff"]}),
], extra={"name.utf-8": "nom"}))
torrent("hostile-long-component.torrent", info([
    f(1, "x" * 300 + ".txt"), f(1, "x" * 300 + ".txt"), f(1, "é" * 200),
]))
torrent("hostile-deep-path.torrent", info([f(1, *(["d"] * 129))]))
torrent("hostile-negative-length.torrent", info([f(1, "a"), f(-1, "b")]))
torrent("hostile-size-overflow.torrent", info([
    f(2**62, "a"), f(2**62, "b"), f(2**62, "c"),
], piece_length=2**28, n_pieces=1))
torrent("hostile-pieces-short.torrent", srt({
    "name": "t", "piece length": 16384, "length": 100000, "pieces": b"\0" * 20,
}))
torrent("hostile-piece-length-zero.torrent", info(length=1, piece_length=0, n_pieces=1))
torrent("hostile-empty-single.torrent", info(length=0))
torrent("hostile-unsorted-info.torrent",
        {"name": "t", "length": 5, "pieces": b"\0" * 20, "piece length": 16384},
        sort=False)
torrent("hostile-trackers.torrent", info(length=1), extra={
    "announce-list": [
        [], ["  http://a.example/announce  ", "http://a.example/announce", "", 42],
        "http://b.example/announce", [b"\xff\xfe"], [["nested"]],
        ["udp://c.example:6969"], ["http://a.example/announce"],
    ],
    "url-list": ["http://w.example/", "http://w.example/", "", 7],
    "comment": b"bad \xff utf-8", "comment.utf-8": "good", "created by": 5,
    "creation date": -1,
})
torrent("hostile-v2-only.torrent", srt({
    "name": "t", "piece length": 16384, "meta version": 2,
    "file tree": {"a": {"": {"length": 1, "pieces root": b"\0" * 32}}},
}))
torrent("hostile-not-a-dict-info.torrent", [1])
torrent("hostile-files-not-list.torrent", srt({
    "name": "t", "piece length": 16384, "pieces": b"", "files": "x",
}))
torrent("hostile-files-empty.torrent", srt({
    "name": "t", "piece length": 16384, "pieces": b"", "files": [],
}))
torrent("hostile-path-too-long.torrent", info([f(1, *(["p" * 250] * 13))]))
torrent("hostile-too-many-pieces.torrent", srt({
    "name": "t", "piece length": 1, "pieces": b"", "length": 2**40,
}))
torrent("hostile-v2-hybrid-no-pieces.torrent", srt({
    "name": "t", "piece length": 16384, "length": 1,
    "file tree": {"t": {"": {"length": 1}}},
}))
# One more than the cap (BT_METAINFO_MAX_TRACKERS), in short unique names.
torrent("hostile-tracker-cap.torrent", info(length=1), extra={
    "announce-list": [["%x" % i for i in range(t * 100, t * 100 + 100)] for t in range(11)],
})
EOF

echo "make-corpus: $(ls "$bencode_dir" | wc -l) bencode and $(ls "$metainfo_dir" | wc -l) metainfo seeds," \
  "$(cat "$bencode_dir"/* "$metainfo_dir"/* | wc -c) bytes in all"
