/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Every bound the engine puts on input from files and the network lives
 * here, each with the reason for its value.
 */
#pragma once

/* The largest .torrent file we read. A 1 TiB torrent with 256 KiB pieces
 * carries 80 MiB of piece hashes; real torrents stay far below. This is also
 * the bound on any bencoded buffer handed to the decoder by default. */
#define BT_BENCODE_MAX_SIZE (100 * 1024 * 1024)

/* Real torrents nest at most 5 levels (dict > info > files > dict > path).
 * The decoder is iterative, so this guards memory and consumers that walk
 * the tree recursively, not the C stack. */
#define BT_BENCODE_MAX_DEPTH 100

/* Each element costs a node (~64 bytes). 2 million covers a torrent with
 * several hundred thousand files and bounds a hostile file to ~128 MiB. */
#define BT_BENCODE_MAX_ELEMENTS 2000000

/* Files in one torrent. The largest real ones (game and dataset dumps) hold
 * a few hundred thousand; more is a denial-of-service attempt. */
#define BT_METAINFO_MAX_FILES 1000000

/* Components in one file path, and bytes in the relative path as written
 * under the download folder: Linux's PATH_MAX is 4096 including the
 * download folder itself, so leave room for it. */
#define BT_METAINFO_MAX_PATH_DEPTH 128
#define BT_METAINFO_MAX_PATH_LENGTH 3072

/* Linux NAME_MAX: one file name in bytes. Longer components are shortened. */
#define BT_METAINFO_MAX_COMPONENT 255

/* Piece length bounds. Pieces are buffered whole in memory while they are
 * downloaded and verified; 256 MiB is above anything a mainstream client
 * creates (libtorrent and Transmission stop at 16-64 MiB). */
#define BT_METAINFO_MAX_PIECE_LENGTH (256u * 1024 * 1024)

/* Peer protocol and storage index pieces with 32-bit integers. */
#define BT_METAINFO_MAX_PIECES G_MAXUINT32

/* Tracker URLs across all tiers; public torrents sometimes list a few
 * hundred, nobody needs thousands of announces. */
#define BT_METAINFO_MAX_TRACKERS 1000

/* Web seed URLs (BEP 19). */
#define BT_METAINFO_MAX_WEB_SEEDS 1000

/* Piece lengths bTorrent picks when creating a torrent, and accepts from the
 * user: the 16 KiB block size up to 16 MiB, powers of two. */
#define BT_CREATE_MIN_PIECE_LENGTH (16u * 1024)
#define BT_CREATE_MAX_PIECE_LENGTH (16u * 1024 * 1024)

/* Aim for about this many pieces when choosing a piece length
 * automatically: ~40 KiB of hashes, small enough to load fast and to send as
 * metadata, fine-grained enough for a swarm to trade. */
#define BT_CREATE_TARGET_PIECES 2048

/* Peer wire protocol (bt-wire). */

/* The longest extension-protocol (BEP 10) message we accept, as a length
 * prefix value. The largest one we speak is a ut_metadata piece: 16 KiB of
 * metadata after a bencoded header of a few dozen bytes; extension
 * handshakes and PEX messages are a few KiB. 64 KiB leaves room for
 * extensions we do not know yet while bounding what one peer can make us
 * buffer. */
#define BT_WIRE_MAX_EXTENDED_LENGTH (64u * 1024)

/* Peer connections (bt-peer). */

/* Bytes read from a socket at a time: several 16 KiB blocks per wake-up on
 * a fast link, small enough per peer for hundreds of peers. */
#define BT_PEER_READ_CHUNK (128 * 1024)

/* Seconds to wait for a TCP connection, then for the handshake. Peers that
 * take longer are usually behind a dead NAT mapping. */
#define BT_PEER_CONNECT_TIMEOUT_S 10
#define BT_PEER_HANDSHAKE_TIMEOUT_S 20

/* A peer that sends nothing, not even a keep-alive (every two minutes per
 * BEP 3), for this long is gone. We send keep-alives more often than that. */
#define BT_PEER_IDLE_TIMEOUT_S 180
#define BT_PEER_KEEPALIVE_INTERVAL_S 90

/* A peer that unchokes us but answers no request for this long is snubbing
 * us: its requests go to other peers and it gets one at a time. */
#define BT_PEER_SNUB_TIMEOUT_S 20

/* Request pipeline: keep enough requests outstanding to cover this much
 * time at the peer's measured rate, between the bounds. The maximum stays
 * under the 250-500 request queues common clients accept (more are
 * dropped silently by some), the initial depth fills a LAN quickly. */
#define BT_PEER_REQUEST_QUEUE_TIME_MS 1500
#define BT_PEER_MIN_PIPELINE 8
#define BT_PEER_INITIAL_PIPELINE 64
#define BT_PEER_MAX_PIPELINE 250

/* The request queue we advertise in the BEP 10 handshake ("reqq"), half
 * of what bt-torrent accepts before refusing, so a peer that keeps to it is
 * never refused. Transmission tops its requests up once a second to at
 * most reqq, so reqq × 16 KiB per second bounds how fast it can download
 * from us: 8192 allows 128 MiB/s. */
#define BT_PEER_ADVERTISED_REQQ 8192

/* A peer that alone sent this many pieces that failed their hash check is
 * banned for the rest of the session. Pieces with several contributors do
 * not count: the innocent would be punished with the guilty. */
#define BT_PEER_MAX_HASH_FAILURES 2

/* Torrents (bt-torrent). */

/* The torrent's housekeeping period: rates, time-outs, new connections.
 * In whole seconds, so that GLib ticks all the torrents of a session
 * together rather than each at its own millisecond. */
#define BT_TORRENT_TICK_S 1

/* The longest tracker address a person may add. */
#define BT_TORRENT_MAX_TRACKER_URL 2048

/* Connections per torrent, and those still dialling or handshaking at
 * once: enough for a healthy swarm; more only adds overhead, and many
 * half-open connections look like a scan to routers and firewalls. */
#define BT_TORRENT_MAX_PEERS 60
#define BT_TORRENT_MAX_HALF_OPEN 8

/* Addresses remembered per torrent from trackers and other sources. */
#define BT_TORRENT_MAX_KNOWN_PEERS 2000

/* Below this many connections a downloading torrent asks its trackers for
 * more peers before the regular interval. */
#define BT_TORRENT_WANT_MORE_PEERS 10

/* Seconds before dialling a failed address again, times its failures. */
#define BT_TORRENT_RETRY_BASE_S 5

/* Trackers (bt-tracker-http, bt-tracker-udp, bt-announcer). */

/* The largest HTTP tracker reply read, after gzip decoding. A compact reply
 * with a few hundred peers is a few KiB and a dictionary peer list a few
 * tens of KiB; a body near this size is broken or hostile. */
#define BT_TRACKER_HTTP_MAX_RESPONSE (1024 * 1024)

/* Bencode bounds for tracker replies: they nest at most 3 deep (scrape:
 * dict > files > dict), and a dictionary peer list costs 7 values a peer. */
#define BT_TRACKER_BENCODE_MAX_DEPTH 8
#define BT_TRACKER_BENCODE_MAX_ELEMENTS 65536

/* Peers kept from one reply, IPv4 and IPv6 together. Trackers cap numwant
 * at 50-200; more would only fill the torrent's address book. */
#define BT_TRACKER_MAX_PEERS_PER_RESPONSE 1000

/* Bytes kept of a failure reason, warning or error text: enough for any
 * sentence a person wrote, and a bound on what reaches the UI and logs. */
#define BT_TRACKER_MAX_MESSAGE 1024

/* A whole HTTP announce or scrape, redirects and body included; libtorrent
 * and Transmission give trackers about as long. */
#define BT_TRACKER_HTTP_TIMEOUT_MS (30 * 1000)

/* Redirects followed per HTTP request; a tracker that moved needs one. */
#define BT_TRACKER_HTTP_MAX_REDIRECTS 5

/* BEP 15: retransmit after 15 × 2^n seconds. */
#define BT_UDP_TRACKER_BASE_TIMEOUT_MS (15 * 1000)

/* BEP 15 lets n grow to 8, an hour between the last tries and over two
 * hours in all. We give up after n = 2 (15 + 30 + 60 s): by then the
 * announcer does better trying the next tracker, and it retries the whole
 * list with its own backoff. */
#define BT_UDP_TRACKER_MAX_RETRIES 2

/* BEP 15: a client may use a connection id for one minute. */
#define BT_UDP_TRACKER_CONNECTION_LIFETIME_MS (60 * 1000)

/* The largest datagram read from a UDP tracker: the 20-byte announce
 * header and the most IPv6 peers we keep. Larger datagrams are truncated
 * by the kernel and their tail ignored. */
#define BT_UDP_TRACKER_MAX_PACKET (20 + 18 * BT_TRACKER_MAX_PEERS_PER_RESPONSE)

/* Connection ids remembered at once, one per tracker address. */
#define BT_UDP_TRACKER_MAX_CACHED_CONNECTIONS 1024

/* Peers asked for per announce: the value every mainstream client sends;
 * trackers rarely give more. */
#define BT_ANNOUNCE_NUMWANT 50

/* Seconds between announces when the tracker does not say. */
#define BT_ANNOUNCE_DEFAULT_INTERVAL_S 1800

/* The shortest interval we accept from a tracker, and so the fastest we
 * re-announce: a tracker that says 0 must not make us hammer it. */
#define BT_ANNOUNCE_MIN_INTERVAL_S 60

/* The longest interval we accept: with more, peers that arrived since
 * would not learn of us from this tracker. */
#define BT_ANNOUNCE_MAX_INTERVAL_S (3 * 3600)

/* After a round in which no tracker answered, wait this long, doubling
 * after each further failed round up to the maximum. */
#define BT_ANNOUNCE_RETRY_FIRST_S 30
#define BT_ANNOUNCE_RETRY_MAX_S (30 * 60)

/* How long "stopped" may take on shutdown: the person is waiting for the
 * window to close, and the tracker forgets us after an interval anyway. */
#define BT_ANNOUNCE_STOP_TIMEOUT_MS (5 * 1000)

/* Piece picker (bt-picker). */

/* Pieces picked at random before rarest-first takes over. A newcomer has
 * nothing to trade, and the rarest pieces are the slowest to get, so its
 * first few pieces should be whatever the unchoking peer can give fastest;
 * after that, rarest-first keeps the swarm healthy. A handful is enough to
 * start trading. */
#define BT_PICKER_RANDOM_FIRST_PIECES 4

/* Partial pieces the picker lets be open at once before a peer joins
 * another peer's piece instead of starting a new one: per connected peer,
 * with a floor. Enough that every peer can work on pieces of its own (one
 * suspect per bad piece, no waiting on a slow peer's last block), few
 * enough that pieces complete and can be shared instead of the whole
 * download being half-done. A peer that can help no open piece still
 * starts a new one: the cap orders the choices, it never idles a peer. */
#define BT_PICKER_OPEN_PIECES_PER_PEER 2
#define BT_PICKER_MIN_OPEN_PIECES 4

/* In endgame, the peers one block may be requested from at once, the
 * first included. Two duplicates are enough that one stalled or slow peer
 * does not hold up the finish, and bound the wasted bandwidth to a couple
 * of blocks per missing block at the very end. */
#define BT_PICKER_MAX_BLOCK_REQUESTERS 3

/* Storage and verification (bt-storage, bt-verify) */

/* Files a torrent keeps open between reads and writes. Opening one walks
 * its folders with one openat() per component, so reusing descriptors
 * pays; a few dozen torrents at this bound stay within the usual soft
 * limit of 1024 descriptors, and pieces rarely span more files. */
#define BT_STORAGE_MAX_OPEN_FILES 16

/* Upper bound on storage worker threads and recheck threads, which are
 * otherwise one per core: beyond this the disk, not SHA1, is the limit. */
#define BT_STORAGE_MAX_WORKERS 16

/* A recheck reads each piece in chunks of this size and hashes each as it
 * arrives: memory per thread is one chunk whatever the piece length, and
 * the chunk is still in the CPU's L2 cache when SHA1 reads it. */
#define BT_VERIFY_READ_CHUNK (256u * 1024)

/* At most ~5 progress reports a second: smooth in a progress bar, cheap
 * for a main loop that also runs a UI. */
#define BT_PROGRESS_INTERVAL_USEC (1000 * 1000 / 5)

/* Uploading (bt-torrent). */

/* Unchoke slots (BEP 3 suggests 4) plus one optimistic unchoke, re-decided
 * every 10 seconds, the optimistic one every third round, as mainstream
 * clients do. A newly connected peer (younger than BT_TORRENT_NEW_PEER_S)
 * is three times as likely to get the optimistic slot. */
#define BT_TORRENT_UPLOAD_SLOTS 4
#define BT_TORRENT_CHOKE_INTERVAL_S 10
#define BT_TORRENT_OPTIMISTIC_ROUNDS 3
#define BT_TORRENT_NEW_PEER_S 60

/* While seeding, a peer that held a slot this long yields it to one that
 * waits, so that every downloader progresses. */
#define BT_TORRENT_SEED_ROTATION_S 30

/* The largest block we serve: 16 KiB is what every client asks for;
 * Transmission and libtorrent refuse larger requests too. */
#define BT_TORRENT_MAX_REQUEST_LENGTH (16 * 1024)

/* Requests one peer may have queued with us: twice the queue we advertise
 * (BT_PEER_ADVERTISED_REQQ). Beyond it requests are refused, and a peer
 * that goes on is flooding us and is dropped. A queued request costs ~40
 * bytes. */
#define BT_TORRENT_MAX_PEER_REQUESTS (2 * BT_PEER_ADVERTISED_REQQ)

/* Bytes queued on one peer's socket before we stop feeding it: enough to
 * keep a fast link busy, small enough that a slow peer does not pin
 * memory. */
#define BT_TORRENT_PEER_SEND_BUFFER (512 * 1024)

/* Downloaded pieces waiting to be hashed and written, in bytes: beyond
 * this, no new requests go out until the disk catches up. Part of what
 * keeps a 1 GiB download under 64 MiB of memory. */
#define BT_TORRENT_MAX_UNWRITTEN_BYTES (24 * 1024 * 1024)

/* Whole pieces kept in memory for uploading. */
#define BT_TORRENT_READ_CACHE_BYTES (16 * 1024 * 1024)

/* The session (bt-session). */

/* Accepted connections still sending the start of their handshake. A
 * flood of silent connections must not exhaust file descriptors. */
#define BT_SESSION_MAX_PENDING 64

/* Connections across all torrents: each costs a socket, buffers and a
 * share of the CPU; a few hundred keep a desktop responsive. */
#define BT_SESSION_MAX_PEERS 300

/* Rate limits (bt-ratelimit). */

/* A limited bucket holds at most this long's worth of its rate, plus
 * BT_RATE_LIMIT_BURST_SLACK: a burst after an idle spell stays about one
 * second of traffic, and a caller that only gets to send once a second
 * (the torrent's tick) still reaches the full rate. */
#define BT_RATE_LIMIT_BURST_MS 1000

/* Room for two `piece` messages (a 16 KiB block and its 13-byte header)
 * on top of that second. A message goes out whole, so a bucket must hold
 * at least one, or a limit below 16 KiB/s would never send. The rest keeps
 * what a block-at-a-time sender cannot spend at once: the leftover below
 * one message when the next second's tokens arrive, and the tokens earned
 * while a timer fires late. Without it, a slow limit or a once-a-second
 * sender averages less than its rate (half of it at 32 KiB/s). */
#define BT_RATE_LIMIT_BURST_SLACK (2 * (16 * 1024 + 13))

/* Rates above 1 TiB/s, which no link reaches, behave as 1 TiB/s: bounding
 * the rate keeps rate × microseconds within 64 bits. */
#define BT_RATE_LIMIT_MAX_RATE (G_GUINT64_CONSTANT (1) << 40)

/* Choker (bt-choker). Slots, intervals and turns are the
 * BT_TORRENT_* uploading limits above. */

/* A newly connected peer is this many times as likely to get the
 * optimistic unchoke as an older one, as BEP 3 describes: it has nothing
 * to trade yet, and the optimistic slot is how it gets its first pieces. */
#define BT_CHOKER_NEW_PEER_WEIGHT 3

/* The most regular slots a setting may ask for. Each unchoked peer gets a
 * share of the upload; past this the shares are too thin for any peer to
 * finish a piece quickly, and a bound keeps slots + 1 from overflowing. */
#define BT_CHOKER_MAX_SLOTS 256

/* Extension protocol (bt-extension), metadata exchange (bt-ut-metadata,
 * bt-metadata-fetch), peer exchange (bt-pex), local service discovery
 * (bt-lsd). */

/* An extended handshake is a small flat dictionary ("m" one level down);
 * clients add keys of their own, but none needs more than this. */
#define BT_EXTENSION_MAX_DEPTH 4
#define BT_EXTENSION_MAX_ELEMENTS 512

/* "v" names a program; longer is noise we would keep per peer. */
#define BT_EXTENSION_MAX_CLIENT_LENGTH 128

/* BEP 9 pieces are 16 KiB, the last one shorter. */
#define BT_UT_METADATA_PIECE_SIZE (16 * 1024)

/* The largest info dictionary we fetch from peers: its "pieces" holds 20
 * bytes per piece, so 16 MiB covers 800,000 pieces (a terabyte in 1 MiB
 * pieces) with room for a long file list. A peer announcing more is lying
 * or serving something we would not want to hold in memory. */
#define BT_UT_METADATA_MAX_SIZE (16 * 1024 * 1024)

/* The header of a ut_metadata message is a dictionary of three integers. */
#define BT_UT_METADATA_MAX_DEPTH 2
#define BT_UT_METADATA_MAX_ELEMENTS 16

/* Pieces asked of one peer at a time: a few keep the pipe full on a slow
 * link without one peer hoarding the whole dictionary. */
#define BT_UT_METADATA_MAX_OUTSTANDING 4

/* A peer that has not answered a metadata request in this long is given
 * up on, and its pieces are asked of another. */
#define BT_UT_METADATA_REQUEST_TIMEOUT_S 20

/* Requests queued for answer per peer: the answer is 16 KiB for a request
 * of 30 bytes, so an unbounded queue would let a peer make us send without
 * limit. Beyond this a request is rejected, which BEP 9 allows. */
#define BT_UT_METADATA_MAX_SEND_BUFFER (256 * 1024)

/* Connections a metadata fetch keeps at once: metadata is small, a few
 * peers are plenty, and more only hurts the swarm. */
#define BT_METADATA_FETCH_MAX_PEERS 8

/* A fetch with no connection and no address left to try fails after this
 * long without news (the caller may add addresses from the DHT or trackers
 * meanwhile). */
#define BT_METADATA_FETCH_IDLE_TIMEOUT_S 60

/* Before the metadata arrives we do not know the piece count, so a
 * peer's bitfield cannot be checked; accept one this large (8 million
 * pieces) and ignore it. */
#define BT_METADATA_FETCH_MAX_MESSAGE (1024 * 1024 + 1)

/* BEP 11: at most one PEX message a minute per peer, each with at most 50
 * added and 50 dropped peers. */
#define BT_PEX_INTERVAL_S 60
#define BT_PEX_MAX_ADDED 50
#define BT_PEX_MAX_DROPPED 50

/* What we read from one PEX message: more than the BEP allows, so that a
 * generous client is still heard, but bounded so that one message cannot
 * fill the known-peer list. */
#define BT_PEX_MAX_PARSED 200

/* A peer sending PEX faster than this apart is ignored until it slows
 * down (BEP 11 asks for a minute; timers drift, so allow a margin). */
#define BT_PEX_MIN_RECEIVE_INTERVAL_S 45

/* The bencoded part of a PEX message: a flat dictionary of strings. */
#define BT_PEX_MAX_DEPTH 2
#define BT_PEX_MAX_ELEMENTS 64

/* BEP 14: the IPv4 multicast group and port. */
#define BT_LSD_GROUP "239.192.152.143"
#define BT_LSD_PORT 6771

/* BEP 14 asks for an announce per torrent at most once a minute, and for
 * a few minutes between rounds when nothing changes. */
#define BT_LSD_ANNOUNCE_INTERVAL_S (5 * 60)
#define BT_LSD_MIN_ANNOUNCE_INTERVAL_S 60

/* A BT-SEARCH datagram is a handful of short header lines; BEP 14 lets one
 * carry several info-hashes, each a 40-character line. */
#define BT_LSD_MAX_DATAGRAM 1400
#define BT_LSD_MAX_INFOHASHES_PER_MESSAGE 8

/* Messages accepted from the LAN each second: more is a flood, and each
 * can make us dial a peer. */
#define BT_LSD_MAX_RECEIVED_PER_S 50

/* Magnet links (bt-magnet). */

/* The longest magnet link read. Links with a few dozen trackers are a few
 * KiB; browsers and desktops cap URLs around 64 KiB anyway. */
#define BT_MAGNET_MAX_LENGTH (64 * 1024)

/* Trackers, web seeds and peers one link may list: generous for real
 * links, a bound on what a hostile one makes us contact. */
#define BT_MAGNET_MAX_TRACKERS 200
#define BT_MAGNET_MAX_WEB_SEEDS 100
#define BT_MAGNET_MAX_PEERS 200

/* Bytes of display name (dn) kept; names are shown, not used as paths. */
#define BT_MAGNET_MAX_NAME 4096

/* Mainline DHT (bt-krpc, bt-dht, bt-dht-table). */

/* The largest KRPC datagram read or sent. Mainline messages are built to
 * fit an Ethernet frame; a bigger one is not from a DHT node. */
#define BT_DHT_MAX_PACKET 1500

/* Bencode bounds for one KRPC message: it nests 3 deep (dict > dict >
 * list of values) and holds at most a few hundred values. */
#define BT_KRPC_MAX_DEPTH 4
#define BT_KRPC_MAX_ELEMENTS 512

/* Transaction ids and tokens are opaque strings: 2-8 bytes in every
 * implementation we know, 20 in some; more is junk. */
#define BT_KRPC_MAX_TRANSACTION_ID 32
#define BT_KRPC_MAX_TOKEN 64

/* Nodes and peers kept from one reply. A node returns K = 8 nodes; a
 * 1500-byte packet holds at most ~180 compact peers. */
#define BT_KRPC_MAX_NODES 16
#define BT_KRPC_MAX_VALUES 200

/* Bytes of an error message kept, for logs only. */
#define BT_KRPC_MAX_ERROR_MESSAGE 128

/* BEP 5: K nodes per bucket, 160 buckets (one per bit of distance), so the
 * routing table never holds more than 1280 nodes. Each bucket also keeps
 * up to K candidates to replace nodes that go bad. */
#define BT_DHT_K 8

/* BEP 5: a node is good if it answered us within 15 minutes; a bucket
 * nobody touched for 15 minutes is refreshed with a lookup. */
#define BT_DHT_NODE_GOOD_S (15 * 60)
#define BT_DHT_BUCKET_REFRESH_S (15 * 60)

/* A node that missed this many queries in a row is bad and replaced. */
#define BT_DHT_NODE_MAX_FAILURES 2

/* Seconds a query waits for its answer. Most nodes answer within a
 * second; waiting longer only slows lookups, which query others anyway. */
#define BT_DHT_QUERY_TIMEOUT_MS 2000

/* Lookups: alpha = 3 queries in flight (BEP 5, Kademlia), the closest
 * candidates kept, and a bound on the queries one lookup may send, so a
 * network feeding us fresh far-away nodes cannot keep it going. */
#define BT_DHT_LOOKUP_ALPHA 3
#define BT_DHT_LOOKUP_MAX_CANDIDATES 64
#define BT_DHT_LOOKUP_MAX_QUERIES 100

/* Lookups running at once (torrents announce on their own schedules; a
 * burst of many is queued). */
#define BT_DHT_MAX_LOOKUPS 32

/* The maintenance timer: the only timer that runs while the DHT is idle. */
#define BT_DHT_MAINTENANCE_INTERVAL_S 60

/* A bootstrap that left the table empty (offline at login, or the other
 * node not listening yet) is tried again after this long, doubling each
 * time up to the maximum; the first node that answers resets it. */
#define BT_DHT_BOOTSTRAP_RETRY_FIRST_S 10
#define BT_DHT_BOOTSTRAP_RETRY_MAX_S (5 * 60)

/* Tokens (BEP 5) come from a secret that changes this often; the previous
 * secret is accepted too, so a token is good for 5 to 10 minutes. */
#define BT_DHT_TOKEN_ROTATION_S (5 * 60)

/* Announced peers: kept this long (announcers re-announce every 15-30
 * minutes), at most this many per info-hash and info-hashes in all, and
 * at most this many returned in one get_peers reply (8 bytes each). */
#define BT_DHT_PEER_EXPIRY_S (45 * 60)
#define BT_DHT_MAX_PEERS_PER_HASH 200
#define BT_DHT_MAX_STORED_HASHES 2000
#define BT_DHT_MAX_VALUES_PER_REPLY 50

/* Incoming queries answered per second from one IP address and in all,
 * with bursts of twice that. A busy real node sends us a few a second;
 * the global bound caps the upload a flood can cost us at ~150 KiB/s. */
#define BT_DHT_QUERIES_PER_IP_PER_S 10
#define BT_DHT_QUERIES_PER_S 500

/* Addresses whose query rate we track; when full, the idlest are
 * forgotten. */
#define BT_DHT_MAX_RATE_ENTRIES 4096

/* Datagrams read per wake-up, so a flood cannot starve the main loop. */
#define BT_DHT_MAX_READS_PER_WAKEUP 64

/* Saved nodes read back at start, and written on save. */
#define BT_DHT_MAX_SAVED_NODES 256

/* A stranger that queried us is pinged at most this often to verify it:
 * forged queries cannot make us ping an address more than that. */
#define BT_DHT_VERIFY_INTERVAL_S (5 * 60)

/* Fast resume (bt-resume, bt-resume-store). */

/* A resume file holds a bitfield (at most a few hundred KiB for the
 * largest torrent the metainfo parser accepts) and four integers per file:
 * a few tens of MiB for BT_METAINFO_MAX_FILES files. More is damage. */
#define BT_RESUME_MAX_SIZE (64 * 1024 * 1024)

/* Our format nests two levels (the record, its per-file lists); keys a
 * later version adds may nest a little deeper. */
#define BT_RESUME_MAX_DEPTH 8

/* Four integers per file, plus the record's own keys and some room for
 * keys a later version adds. */
#define BT_RESUME_MAX_ELEMENTS (4 * BT_METAINFO_MAX_FILES + 1024)

/* Names, magnet links and error messages in a record: far above any real
 * one, small enough that a damaged file cannot make us keep megabytes. */
#define BT_RESUME_MAX_TEXT (64 * 1024)

/* Linux's PATH_MAX: the download folder must be a path open() takes. */
#define BT_RESUME_MAX_SAVE_PATH 4096

/* A changing torrent's resume file is written at most this often: a crash
 * loses at most this much of the bitfield (those pieces are downloaded
 * again), and a download in progress costs one small write and fsync per
 * torrent per interval. */
#define BT_RESUME_WRITE_INTERVAL_MS 5000

/* Threads writing state files at once. Each write ends in fsync()s, which
 * the file system commits together when they come concurrently: on ext4
 * four threads write about ten times more small files a second than one,
 * and more threads add little. */
#define BT_RESUME_WRITE_THREADS 4

/* Torrents added from magnet links (bt-torrent). */

/* After a metadata fetch found no peer that had it: wait this long for
 * trackers and the DHT to bring new peers before asking again. */
#define BT_TORRENT_METADATA_RETRY_S 15

/* DHT lookups of the session (bt-session): a torrent that downloads or
 * waits for metadata asks again this often, a seed less often (its
 * announce must be renewed before the nodes' peer stores forget it,
 * which BEP 5 implementations do after about 30 minutes). */
#define BT_SESSION_DHT_INTERVAL_S 300
#define BT_SESSION_DHT_SEED_INTERVAL_S 900
/* ... and one with no peer at all asks again after this long. */
#define BT_SESSION_DHT_RETRY_S 20

/* Announces the session's torrents may start: this many at once after a
 * quiet time, then this many a second (2,000 torrents opened together get
 * through in 40 s; a handful never wait). */
#define BT_SESSION_ANNOUNCE_BURST 20
#define BT_SESSION_ANNOUNCES_PER_S 50

/* Session scale (bt-session). */

/* File descriptors the session asks for (its soft RLIMIT_NOFILE raised up
 * to the hard limit, at most this many): every running torrent holds its
 * download folder open (bt-storage) and every peer a socket, so 2,000
 * seeding torrents need about 1,800 descriptors before a single peer,
 * while desktops start programs with a soft limit of 1,024. GLib polls,
 * so descriptors above 1,024 are safe for us. */
#define BT_SESSION_MAX_FDS 65536

/* Blocks a peer may send that we never asked for (or cancelled) before it
 * is disconnected, when they also outnumber the blocks it sent that we
 * asked for (after cancels in endgame, an honest peer's late blocks are
 * fewer than its useful ones). Past BT_PEER_MAX_PIPELINE it goes anyway. */
#define BT_PEER_MAX_UNREQUESTED_BLOCKS 64
