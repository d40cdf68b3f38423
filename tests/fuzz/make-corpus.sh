#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/fuzz/make-corpus.sh — (re)creates the seed corpora of the fuzzers:
#
#   corpus/bencode/   hand-written bencode, valid (valid-*) and not (bad-*)
#   corpus/metainfo/  .torrent files made by mktorrent (mktorrent-*) and
#                     transmission-create (transmission-*) over tiny folders,
#                     and hand-made hostile ones (hostile-*)
#   corpus/wire/      peer wire streams, valid (valid-*) and not (bad-*),
#                     and what transmission-daemon sent (transmission-*)
#   corpus/tracker-http/, corpus/tracker-udp/
#                     tracker replies, hand-made (valid-*, bad-*) and what
#                     opentracker answered (opentracker-*)
#   corpus/magnet/    magnet links, valid (valid-*) and not (bad-*)
#   corpus/krpc/      DHT datagrams: the BEP 5 examples and hostile ones
#   corpus/resume/    fast-resume files for a fixed three-file torrent (the one
#                     fuzz-resume.c builds), valid (valid-*) and not (bad-*)
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
#   tracker-http/crash-c1-control-in-warning
#   tracker-udp/crash-c1-control-in-error
#       a tracker's warning or error text holding U+009B (CSI) or U+0085:
#       bt_tracker_message_from_bytes() replaced only ASCII controls, so a
#       tracker could send escape sequences to the logs and the UI.
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

# --- wire, tracker-http, tracker-udp ------------------------------------------

# The peer wire fuzzer reads an 11-byte header (flags: bit 0 = a handshake
# comes first; piece count, 2 bytes; 8 chunk sizes) and then the stream a
# peer sends; see fuzz-wire.c. The UDP fuzzer reads one byte (bit 0 = IPv6
# tracker) then a datagram. HTTP seeds are reply bodies as they are.
# wire/transmission-* and */opentracker-* are what the real programs sent.
wire_dir=$here/corpus/wire
http_dir=$here/corpus/tracker-http
udp_dir=$here/corpus/tracker-udp
mkdir -p "$wire_dir" "$http_dir" "$udp_dir"

python3 - "$wire_dir" "$http_dir" "$udp_dir" <<'EOF'
import os
import struct
import sys

wire_dir, http_dir, udp_dir = sys.argv[1:4]

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
        items = sorted((k.encode() if isinstance(k, str) else k, x) for k, x in v.items())
        return b"d" + b"".join(enc(k) + enc(x) for k, x in items) + b"e"
    raise TypeError(v)

def put(folder, name, data):
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)

# --- wire ---
INFO_HASH = bytes(range(20))
PEER_ID = b"-TR3000-abcdefghijkl"

def handshake(reserved=b"\0\0\0\0\0\x10\0\x05", info_hash=INFO_HASH, peer_id=PEER_ID,
              pstr=b"BitTorrent protocol"):
    return bytes([len(pstr)]) + pstr + reserved + info_hash + peer_id

def msg(mid, payload=b""):
    return struct.pack(">IB", 1 + len(payload), mid) + payload

def ibl(mid, i, b, l):
    return msg(mid, struct.pack(">III", i, b, l))

def ext(eid, payload):
    return msg(20, bytes([eid]) + payload)

def header(with_handshake, n_pieces, chunks):
    return bytes([1 if with_handshake else 0]) + struct.pack(">H", n_pieces) + bytes(chunks)

ONE = [1] * 8
MIXED = [3, 70, 1, 17, 0, 5, 68, 2]
WHOLE = [0] * 8

ext_handshake = ext(0, enc({"m": {"ut_metadata": 3, "ut_pex": 1}, "metadata_size": 31337,
                            "reqq": 250, "v": "Transmission 3.00", "p": 51413,
                            "yourip": b"\x7f\0\0\1"}))
metadata_piece = ext(3, enc({"msg_type": 1, "piece": 0, "total_size": 5}) + b"hello")
metadata_request = ext(3, enc({"msg_type": 0, "piece": 0}))
pex = ext(1, enc({"added": b"\x7f\0\0\1\x1a\xe1", "added.f": b"\x10", "dropped": b""}))
every_message = b"".join([
    msg(5, b"\xff\xc0"),          # bitfield, 10 pieces
    msg(1), msg(2), msg(3), msg(0),
    msg(4, struct.pack(">I", 9)),
    ibl(6, 1, 16384, 16384),
    msg(7, struct.pack(">II", 2, 0) + b"block data"),
    ibl(8, 1, 16384, 16384),
    msg(9, struct.pack(">H", 6881)),
    msg(13, struct.pack(">I", 3)),
    msg(14), msg(15),
    ibl(16, 4, 0, 16384),
    msg(17, struct.pack(">I", 7)),
    b"\0\0\0\0",                  # keep-alive
    msg(99, b"unknown extension"),
])
session = handshake() + ext_handshake + every_message + metadata_request + metadata_piece + pex

put(wire_dir, "valid-session-whole", header(True, 10, WHOLE) + session)
put(wire_dir, "valid-session-bytewise", header(True, 10, ONE) + session)
put(wire_dir, "valid-session-mixed", header(True, 10, MIXED) + session)
put(wire_dir, "valid-messages-only", header(False, 10, MIXED) + every_message)
put(wire_dir, "valid-no-pieces-yet", header(True, 0, MIXED) + handshake() + ext_handshake + metadata_piece)
put(wire_dir, "valid-big-bitfield", header(False, 40000, MIXED) + msg(5, b"\xff" * 5000))
put(wire_dir, "valid-full-block", header(False, 4, [0, 0, 0, 0, 0, 0, 0, 0])
    + msg(7, struct.pack(">II", 0, 0) + b"\xab" * 16384))
put(wire_dir, "bad-protocol-name", header(True, 10, MIXED) + handshake(pstr=b"BitTorrent protocoL"))
put(wire_dir, "bad-protocol-length", header(True, 10, ONE) + b"\x13BitTorrent" + b"\x16" * 60)
put(wire_dir, "bad-encrypted", header(True, 10, MIXED) + bytes((i * 37 + 11) & 0xff for i in range(96)))
put(wire_dir, "bad-oversize", header(False, 10, ONE) + b"\x7f\xff\xff\xff\x07")
put(wire_dir, "bad-oversize-after-messages", header(False, 10, MIXED) + every_message + b"\0\x01\0\x02\x14\0")
put(wire_dir, "bad-have-length", header(False, 10, MIXED) + msg(4, b"\0\0\0"))
put(wire_dir, "bad-request-length", header(False, 10, MIXED) + msg(6, b"\0" * 16))
put(wire_dir, "bad-port-length", header(False, 10, MIXED) + msg(9, b"\0"))
put(wire_dir, "bad-empty-extended", header(False, 10, MIXED) + msg(20))
put(wire_dir, "bad-bitfield-wrong-size", header(False, 10, MIXED) + msg(5, b"\xff\xff\xff"))
put(wire_dir, "bad-bitfield-spare-bits", header(False, 10, MIXED) + msg(5, b"\xff\xff"))
put(wire_dir, "bad-extended-garbage", header(False, 10, MIXED) + ext(0, b"d1:mdee") + ext(2, b"\xff" * 30))
put(wire_dir, "bad-truncated-piece", header(False, 10, MIXED) + msg(7, struct.pack(">II", 0, 0) + b"x" * 100)[:60])

# --- tracker-http ---
def peers4(*entries):
    return b"".join(bytes(map(int, ip.split("."))) + struct.pack(">H", port) for ip, port in entries)

SCRAPE_HASH = b"a" * 20
put(http_dir, "valid-compact", enc({"interval": 1800, "min interval": 900, "complete": 5,
                                    "incomplete": 3, "tracker id": "abc",
                                    "peers": peers4(("127.0.0.1", 6881), ("10.1.2.3", 51413))}))
put(http_dir, "valid-dict-peers", enc({"interval": 60, "peers": [
    {"ip": "127.0.0.2", "port": 6881, "peer id": b"-TR3000-abcdefghijkl"},
    {"ip": "::1", "port": 6882}, {"ip": "tracker.example", "port": 1},
    {"ip": "0.0.0.0", "port": 5}, {"ip": "1.2.3.4", "port": 0}, 7]}))
put(http_dir, "valid-peers6", enc({"interval": 1800, "peers": b"",
                                   "peers6": b"\0" * 15 + b"\1\x1a\xe1" + b"\xfe\x80" + b"\0" * 14 + b"\0\x50"}))
put(http_dir, "valid-warning", enc({"interval": 1800, "peers": b"",
                                    "warning message": b"slow down \x1b[31m\xc2\x9b2J caf\xe9"}))
put(http_dir, "valid-scrape", enc({"files": {SCRAPE_HASH: {"complete": 2, "downloaded": 10, "incomplete": 1},
                                             b"b" * 20: {"complete": 1}}}))
put(http_dir, "bad-failure", enc({"failure reason": "torrent not registered \x07"}))
put(http_dir, "bad-not-dict", enc(["interval", 5]))
put(http_dir, "bad-html", b"<html><body>502 Bad Gateway</body></html>\n")
put(http_dir, "bad-truncated", enc({"interval": 1800, "peers": peers4(("1.2.3.4", 5))})[:-4])
put(http_dir, "bad-negative-counts", enc({"interval": -5, "min interval": 2**40, "complete": -3,
                                          "incomplete": 2**63 - 1, "peers": b"\1\2\3"}))
put(http_dir, "bad-scrape-not-dict", enc({"files": {SCRAPE_HASH: 5}}))
put(http_dir, "bad-deep", b"d5:peers" + b"l" * 20 + b"e" * 20 + b"e")

# --- tracker-udp ---
def udp(family6, *fields, tail=b""):
    return bytes([1 if family6 else 0]) + b"".join(struct.pack(">I", f) for f in fields) + tail

put(udp_dir, "valid-connect", udp(False, 0, 0x1234, tail=struct.pack(">Q", 0x0123456789abcdef)))
put(udp_dir, "valid-announce", udp(False, 1, 7, 1800, 3, 5,
                                   tail=peers4(("127.0.0.1", 6881), ("0.0.0.0", 1), ("1.2.3.4", 0), ("10.0.0.1", 80))))
put(udp_dir, "valid-announce6", udp(True, 1, 7, 1800, 0xffffffff, 1,
                                    tail=b"\0" * 15 + b"\1\x1a\xe1" + b"\x20\x01" + b"\0" * 14 + b"\0\x50"))
put(udp_dir, "valid-scrape", udp(False, 2, 9, 4, 100, 2))
put(udp_dir, "valid-error", udp(False, 3, 9, tail=b"unregistered torrent \x1b[0m\xc2\x85\xff"))
put(udp_dir, "bad-short", udp(False, 1))
put(udp_dir, "bad-empty-announce", udp(False, 1, 7))
put(udp_dir, "bad-truncated-connect", udp(False, 0, 7, 1))
put(udp_dir, "bad-unknown-action", udp(False, 42, 7, 1, 2, 3))
EOF

# What the real programs send. Each needs a free loopback port and its own
# folder; a missing program only leaves its seeds out (they stay as committed).
free_port () { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

if command -v opentracker >/dev/null 2>&1; then
  ot=$work/opentracker
  mkdir -p "$ot"
  # The whitelist holds the scrape seeds' info-hash, 20 × "a".
  printf '%s\n' 6161616161616161616161616161616161616161 >"$ot/whitelist"
  chmod 755 "$ot"; chmod 644 "$ot/whitelist"
  port=$(free_port)
  opentracker -i 127.0.0.1 -p "$port" -P "$port" -d "$ot" -w whitelist >/dev/null 2>&1 &
  ot_pid=$!
  sleep 1
  ih=$(printf 'a%.0s' {1..20})
  base="http://127.0.0.1:$port"
  q="info_hash=$ih&uploaded=0&downloaded=0&left=100&compact=1"
  curl -s "$base/announce?$q&peer_id=-TR3000-000000000001&port=51413&event=started" >/dev/null || true
  curl -s "$base/announce?$q&peer_id=-TR3000-000000000002&port=51414&event=started" >"$http_dir/opentracker-compact" || true
  curl -s "$base/announce?$q&peer_id=-TR3000-000000000003&port=51415&compact=0" >"$http_dir/opentracker-noncompact" || true
  curl -s "$base/scrape?info_hash=$ih" >"$http_dir/opentracker-scrape" || true
  curl -s "$base/announce?info_hash=bbbbbbbbbbbbbbbbbbbb&peer_id=-TR3000-000000000004&port=1&left=0" \
    >"$http_dir/opentracker-not-authorized" || true
  python3 - "$port" "$udp_dir" <<'EOF'
import os
import socket
import struct
import sys

port, out = int(sys.argv[1]), sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect(("127.0.0.1", port))

def ask(packet):
    s.send(packet)
    return s.recv(65536)

conn = ask(struct.pack(">QII", 0x41727101980, 0, 1))
cid = conn[8:16]
def announce(ih, peer_id, port_, tid):
    return ask(cid + struct.pack(">II", 1, tid) + ih + peer_id
               + struct.pack(">QQQIIIiH", 0, 100, 0, 2, 0, 0, -1, port_))
announce(b"a" * 20, b"-TR3000-000000000005", 6881, 2)
replies = {
    "opentracker-connect": conn,
    "opentracker-announce": announce(b"a" * 20, b"-TR3000-000000000006", 6882, 3),
    "opentracker-announce-unknown": announce(b"b" * 20, b"-TR3000-000000000007", 6883, 4),
    "opentracker-scrape": ask(cid + struct.pack(">II", 2, 5) + b"a" * 20),
}
for name, data in replies.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(b"\0" + data)
EOF
  kill "$ot_pid" 2>/dev/null || true
  wait "$ot_pid" 2>/dev/null || true
fi

# --- magnet, krpc ---------------------------------------------------------------

# Magnet seeds are link texts; krpc seeds are single DHT datagrams, the
# BEP 5 examples and hostile variants (valid-*, bad-*).
magnet_dir=$here/corpus/magnet
krpc_dir=$here/corpus/krpc
mkdir -p "$magnet_dir" "$krpc_dir"

python3 - "$magnet_dir" "$krpc_dir" <<'EOF'
import os
import sys

magnet_dir, krpc_dir = sys.argv[1:3]

def put(folder, name, data):
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)

HEX = "c12fe1c06bba254a9dc9f519b335aa7c1367a88a"
B32 = "YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK"
BTMH = "1220" + HEX + "0" * 24

put(magnet_dir, "valid-hex", "magnet:?xt=urn:btih:" + HEX)
put(magnet_dir, "valid-base32", "magnet:?xt=urn:btih:" + B32 + "&dn=name")
put(magnet_dir, "valid-full",
    "magnet:?xt=urn:btih:" + HEX + "&dn=Big+Buck%20Bunny&xl=276134947"
    "&tr=udp%3A%2F%2Ftracker.example%3A6969&tr.1=http://a.example/announce?x=1%26y=2"
    "&ws=https%3A%2F%2Fseed.example%2F&x.pe=10.0.0.1:6881&x.pe=%5B2001:db8::1%5D:51413"
    "&x.pe=peer.example:7000&so=0-3")
put(magnet_dir, "valid-hybrid", "magnet:?xt=urn:btmh:" + BTMH + "&xt=urn:btih:" + HEX)
put(magnet_dir, "valid-junk-urls",
    "magnet:?&&=x&xt=urn:btih:" + HEX + "&tr=not%20a%20url&tr=&ws=%FF%FE&dn=%1B%5B31mred%C3%28")
put(magnet_dir, "bad-v2-only", "magnet:?xt=urn:btmh:" + BTMH)
put(magnet_dir, "bad-no-hash", "magnet:?dn=x&tr=http://a/")
put(magnet_dir, "bad-short-hash", "magnet:?xt=urn:btih:" + HEX[:-1])
put(magnet_dir, "bad-two-hashes",
    "magnet:?xt=urn:btih:" + HEX + "&xt=urn:btih:" + "0" * 40)
put(magnet_dir, "bad-escape", "magnet:?xt=urn:btih:" + HEX + "&dn=%4")
put(magnet_dir, "bad-nul", "magnet:?xt=urn:btih:" + HEX + "&dn=a%00b")
put(magnet_dir, "bad-peer", "magnet:?xt=urn:btih:" + HEX + "&x.pe=[1.2.3.4]:80")
put(magnet_dir, "bad-port", "magnet:?xt=urn:btih:" + HEX + "&x.pe=1.2.3.4:65536")
put(magnet_dir, "bad-length", "magnet:?xt=urn:btih:" + HEX + "&xl=-1")
put(magnet_dir, "bad-tracker-cap",
    "magnet:?xt=urn:btih:" + HEX + "".join("&tr=http://t%d.example/" % i for i in range(201)))

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
        items = sorted((k.encode() if isinstance(k, str) else k, x) for k, x in v.items())
        return b"d" + b"".join(enc(k) + enc(x) for k, x in items) + b"e"
    raise TypeError(v)

ID1 = b"abcdefghij0123456789"
ID2 = b"mnopqrstuvwxyz123456"

def q(method, args, **extra):
    d = {"t": "aa", "y": "q", "q": method, "a": dict(id=ID1, **args)}
    d.update(extra)
    return enc(d)

def r(body):
    return enc({"t": "aa", "y": "r", "r": dict(id=ID2, **body)})

put(krpc_dir, "valid-ping", q("ping", {}))
put(krpc_dir, "valid-ping-ro", q("ping", {}, ro=1))
put(krpc_dir, "valid-find-node", q("find_node", {"target": ID2}))
put(krpc_dir, "valid-get-peers", q("get_peers", {"info_hash": ID2}))
put(krpc_dir, "valid-announce", q("announce_peer", {"info_hash": ID2, "port": 6881,
                                                   "implied_port": 1, "token": "aoeusnth"}))
put(krpc_dir, "valid-unknown-method", q("vote", {"target": ID2}))
put(krpc_dir, "valid-response-ping", r({}))
put(krpc_dir, "valid-response-nodes", r({"nodes": b"".join(bytes([i]) * 20 + bytes([10, 0, 0, i, 0x1a, 0xe1]) for i in range(8))}))
put(krpc_dir, "valid-response-values", r({"token": "tok", "values": [b"axje.u", b"idhtnm", b"\x01" * 18]}))
put(krpc_dir, "valid-error", enc({"t": "aa", "y": "e", "e": [201, "A Generic Error Ocurred"]}))
put(krpc_dir, "bad-not-dict", b"li1ee")
put(krpc_dir, "bad-no-tid", enc({"y": "q", "q": "ping", "a": {"id": ID1}}))
put(krpc_dir, "bad-short-id", q("ping", {}).replace(b"2:id20:" + ID1, b"2:id19:" + ID1[:19]))
put(krpc_dir, "bad-nodes-length", r({"nodes": b"x" * 25}))
put(krpc_dir, "bad-values-type", r({"values": [1, 2]}))
put(krpc_dir, "bad-announce-no-token", q("announce_peer", {"info_hash": ID2, "port": 6881}))
put(krpc_dir, "bad-announce-port", q("announce_peer", {"info_hash": ID2, "port": 70000, "token": "x"}))
put(krpc_dir, "bad-error-code", enc({"t": "aa", "y": "e", "e": ["x", 1]}))
put(krpc_dir, "bad-oversized", q("ping", {"pad": b"x" * 1600}))
EOF

echo "make-corpus: $(ls "$magnet_dir" | wc -l) magnet and $(ls "$krpc_dir" | wc -l) krpc seeds"

# What Transmission sends a peer that connects to it: its handshake, its
# extension handshake (BEP 10) and what it has (BEP 6 have-all, or a
# bitfield), for the torrent it seeds from "$work/single".
if command -v transmission-daemon >/dev/null 2>&1 && command -v transmission-remote >/dev/null 2>&1; then
  tr=$work/transmission
  mkdir -p "$tr"
  peer_port=$(free_port)
  rpc_port=$(free_port)
  cat >"$tr/settings.json" <<EOF
{
  "peer-port": $peer_port, "rpc-port": $rpc_port, "rpc-bind-address": "127.0.0.1",
  "rpc-whitelist": "127.0.0.1", "rpc-authentication-required": false,
  "dht-enabled": false, "lpd-enabled": false, "pex-enabled": false, "utp-enabled": false,
  "port-forwarding-enabled": false, "download-dir": "$work/single", "encryption": 0
}
EOF
  transmission-daemon -f -g "$tr" >/dev/null 2>&1 &
  tr_pid=$!
  for _ in $(seq 50); do
    transmission-remote "127.0.0.1:$rpc_port" -l >/dev/null 2>&1 && break
    sleep 0.2
  done
  transmission-remote "127.0.0.1:$rpc_port" -a "$metainfo_dir/mktorrent-single.torrent" >/dev/null 2>&1 || true
  sleep 2 # its hash check of the 1000-byte file
  python3 - "$peer_port" "$metainfo_dir/mktorrent-single.torrent" "$wire_dir" <<'EOF'
import hashlib
import os
import socket
import struct
import sys
import time

port, torrent, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
data = open(torrent, "rb").read()
# The info dictionary runs from after "4:info" to the end of the file but
# its closing "e" (mktorrent writes "info" last).
start = data.index(b"4:infod") + len(b"4:info")
info_hash = hashlib.sha1(data[start:-1]).digest()

s = socket.create_connection(("127.0.0.1", port), timeout=3)
s.sendall(b"\x13BitTorrent protocol" + b"\0\0\0\0\0\x10\0\x04" + info_hash + b"-BT0100-corpuscorpus")
s.sendall(struct.pack(">IB", 1, 2))  # interested: it unchokes, or says why not
received = b""
deadline = time.time() + 3
while time.time() < deadline:
    try:
        chunk = s.recv(65536)
    except socket.timeout:
        break
    if not chunk:
        break
    received += chunk
s.close()
if len(received) >= 68:
    header = b"\x01" + struct.pack(">H", 1) + bytes([5, 68, 1, 13, 0, 2, 70, 3])
    with open(os.path.join(out, "transmission-session"), "wb") as f:
        f.write(header + received)
EOF
  kill "$tr_pid" 2>/dev/null || true
  wait "$tr_pid" 2>/dev/null || true
fi

echo "make-corpus: $(ls "$wire_dir" | wc -l) wire, $(ls "$http_dir" | wc -l) tracker-http and" \
  "$(ls "$udp_dir" | wc -l) tracker-udp seeds"

# --- resume -------------------------------------------------------------------

resume_dir=$here/corpus/resume
mkdir -p "$resume_dir"
python3 - "$resume_dir" <<'EOF'
import hashlib
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
        items = sorted(((k.encode() if isinstance(k, str) else k), x) for k, x in v.items())
        return b"d" + b"".join(enc(k) + enc(x) for k, x in items) + b"e"
    raise TypeError(v)

# The torrent fuzz-resume.c builds: its info dictionary, canonical.
info = {
    "files": [
        {"length": 40000, "path": ["a.bin"]},
        {"length": 17, "path": ["sub", "c.txt"]},
        {"length": 0, "path": ["empty"]},
    ],
    "name": "t",
    "piece length": 16384,
    "pieces": b"\0" * 60,
}
info_hash = hashlib.sha1(enc(info)).digest()

def record(**changes):
    r = {
        "version": 1,
        "info-hash": info_hash,
        "name": "t",
        "save-path": b"/home/someone/Downloads",
        "pieces": 3,
        "have": b"\xa0",
        "file-sizes": [40000, 17, 0],
        "file-mtimes": [1700000000, 1700000001, 0],
        "file-mtimes-ns": [123456789, 0, 0],
        "file-priorities": [2, 3, 0],
        "paused": 0,
        "queue-position": 4,
        "uploaded": 123456,
        "downloaded": 40017,
        "seconds-active": 3600,
        "seconds-seeding": 1800,
        "time-added": 1700000000,
        "time-completed": 1700003600,
    }
    for k, v in changes.items():
        k = k.replace("_", "-")
        if v is None:
            r.pop(k, None)
        else:
            r[k] = v
    return enc(r)

def seed(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)

full = record(magnet_uri="magnet:?xt=urn:btih:" + info_hash.hex(), error="Disk full:\nfree space",
              save_path=b"/home/someone/caf\xe9 \xff")
seed("valid-full", full)
seed("valid-minimal", record())
seed("valid-complete", record(have=b"\xe0", paused=1))
seed("valid-magnet", record(pieces=None, have=None, file_sizes=[], file_mtimes=[],
                            file_mtimes_ns=[], file_priorities=[],
                            magnet_uri="magnet:?xt=urn:btih:" + "ab" * 20,
                            info_hash=b"\xab" * 20))
seed("valid-future-keys", record(zz_later={"x": [1, {"y": b""}]}, aa_early=-1))
seed("valid-other-torrent", record(info_hash=b"\x01" * 20, pieces=9, have=b"\xff\x80"))

seed("bad-truncated", full[: len(full) // 2])
seed("bad-trailing", full + b"i0e")
seed("bad-not-dict", b"l" + full + b"e")
seed("bad-spare-bit", record(have=b"\xb0"))
seed("bad-have-long", record(have=b"\xa0\x00"))
seed("bad-have-without-pieces", record(pieces=None))
seed("bad-pieces-negative", record(pieces=-1))
seed("bad-pieces-huge", record(pieces=2**40))
seed("bad-priority", record(file_priorities=[2, 4, 0]))
seed("bad-nsec", record(file_mtimes_ns=[1000000000, 0, 0]))
seed("bad-size-negative", record(file_sizes=[-1, 17, 0]))
seed("bad-files-mismatch", record(file_mtimes=[0, 0]))
seed("bad-files-not-int", record(file_sizes=[40000, "17", 0]))
seed("bad-version-newer", record(version=2))
seed("bad-version-zero", record(version=0))
seed("bad-info-hash-short", record(info_hash=info_hash[:19]))
seed("bad-save-relative", record(save_path=b"Downloads"))
seed("bad-save-nul", record(save_path=b"/a\0b"))
seed("bad-name-escape", record(name="x\x1b[2J"))
seed("bad-name-latin1", record(name=b"caf\xe9"))
seed("bad-magnet-http", record(magnet_uri="http://example.com/"))
seed("bad-paused-two", record(paused=2))
seed("bad-queue-negative", record(queue_position=-1))
seed("bad-no-save-path", record(save_path=None))
EOF
echo "make-corpus: $(ls "$resume_dir" | wc -l) resume seeds"

# --- extension: extended handshake (0), ut_metadata (1), ut_pex (2) -----------

extension_dir=$here/corpus/extension
mkdir -p "$extension_dir"
ext () { printf "$2" >"$extension_dir/$1"; }

ext handshake-ours        '\000d1:md11:ut_metadatai1e6:ut_pexi2ee13:metadata_sizei42000e1:pi6881e4:reqqi8192e1:v14:bTorrent 0.1.06:yourip4:\177\000\000\001e'
ext handshake-transmission '\000d1:ei1e4:ipv616:\040\001\015\270\000\000\000\000\000\000\000\000\000\000\000\0011:md11:ut_metadatai3e6:ut_pexi1ee13:metadata_sizei1234e1:pi51413e4:reqqi512e11:upload_onlyi0e1:v17:Transmission 3.00e'
ext handshake-odd         '\000d1:md6:ut_pexi300e11:ut_metadatai-1e2:xxi0ee1:pi70000e6:yourip3:abc1:v2:\377\376e'
ext handshake-bad         '\000d1:m'
ext metadata-request      '\001d8:msg_typei0e5:piecei0ee'
ext metadata-reject       '\001d8:msg_typei2e5:piecei3ee'
ext metadata-data         '\001d8:msg_typei1e5:piecei0e10:total_sizei5eehello'
ext metadata-data-last    '\001d8:msg_typei1e5:piecei1e10:total_sizei16390eeabcdef'
ext metadata-bad          '\001d8:msg_typei0e5:piecei0eetrailing'
ext pex-v4                '\002d5:added12:\012\000\000\001\032\341\300\000\002\011\310\3257:added.f2:\002\0207:dropped6:\012\000\000\002\000\001e'
ext pex-v6                '\002d6:added618:\040\001\015\270\000\000\000\000\000\000\000\000\000\000\000\005\001\2738:added6.f1:\0018:dropped618:\000\000\000\000\000\000\000\000\000\000\377\377\001\002\003\004\000\002e'
ext pex-bad-length        '\002d5:added5:\001\002\003\004\005e'
ext all-empty-dict        '\003de'

echo "make-corpus: $(ls "$bencode_dir" | wc -l) bencode and $(ls "$metainfo_dir" | wc -l) metainfo seeds," \
  "$(cat "$bencode_dir"/* "$metainfo_dir"/* | wc -c) bytes in all"
