/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * The serving rules of our seeder, seen from the wire: a scripted
 * downloader, honest or not, talks to a seeding BtSession over a real
 * loopback TCP connection and checks what comes back (the right bytes, a
 * reject, nothing, or the connection closed).
 *
 * The scripted peer runs on a helper thread with a blocking GSocket, so it
 * can write exactly the bytes a test wants, in one send(), and wait for
 * bytes or EOF with a timeout, while the test's main thread iterates the
 * main context the session lives on. Nothing here sleeps: "X never
 * arrives" is proved by ordering, since the seeder answers one peer's
 * requests strictly in the order they came (see each test).
 */
#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "bt-limits.h"
#include "bt-metainfo-create.h"
#include "bt-metainfo.h"
#include "bt-session.h"
#include "bt-test-util.h"
#include "bt-torrent.h"
#include "bt-wire.h"

/* Ten pieces of two blocks; the last piece is a block and 1000 bytes, so
 * its second block is short. */
#define PIECE_LENGTH (2 * BT_BLOCK_SIZE)
#define N_PIECES 10
#define LAST_BLOCK_LENGTH 1000
#define LAST_PIECE (N_PIECES - 1)
#define LAST_PIECE_SIZE (BT_BLOCK_SIZE + LAST_BLOCK_LENGTH)
#define PAYLOAD_SIZE ((N_PIECES - 1) * PIECE_LENGTH + LAST_PIECE_SIZE)

/* The piece the "incomplete" fixture damages on disk before the check. */
#define CORRUPT_PIECE 3

/* How long the scripted peer waits for any one thing: bytes, EOF, a
 * send to go through. Every wait normally ends in milliseconds; this only
 * bounds a test that fails. */
#define IO_TIMEOUT_S 5

/* How long the fixture waits for the seeder's initial check. */
#define START_TIMEOUT_S 10

typedef struct
{
  char           *tmpdir;
  char           *data_dir;
  BtMetainfo     *meta;
  GBytes         *payload;     /* the torrent's true data */
  BtBitfield     *expected_have;
  BtSession      *session;
  BtTorrent      *torrent;    /* owned by the session */
  guint16         port;
  guint8          info_hash[BT_WIRE_INFO_HASH_LENGTH];
  guint8          session_peer_id[BT_WIRE_PEER_ID_LENGTH];
} Fixture;

/* One scripted connection, used only by the helper thread. */
typedef struct
{
  Fixture    *fixture;
  GSocket    *socket;
  GByteArray *inbuf;
  guint8      peer_id[BT_WIRE_PEER_ID_LENGTH];
  gboolean    fast;       /* both ends set the fast extension bit */
  guint32     max_length;
} Peer;

/* One message as received, with its payload copied out of the buffer. */
typedef struct
{
  BtMessageType  type;
  guint32        index;
  guint32        begin;
  guint32        length;
  GBytes        *payload;
} Message;

static void
message_clear (Message *message)
{
  g_clear_pointer (&message->payload, g_bytes_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Message, message_clear)

/* Fixture */

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
setup_common (Fixture  *fixture,
              gboolean  corrupt)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) source = NULL;
  g_autoptr(GBytes) torrent_bytes = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  BtSessionConfig config = { 0 };
  BtMetainfoCreateOptions options = { 0 };
  BtTorrentState expected_state;
  gboolean timed_out = FALSE;
  guint timeout_id;
  gsize length;

  fixture->tmpdir = bt_test_make_tmpdir ();
  fixture->data_dir = g_build_filename (fixture->tmpdir, "data", NULL);
  path = g_build_filename (fixture->data_dir, "payload.bin", NULL);
  bt_test_write_random_file (path, PAYLOAD_SIZE, 42);

  options.piece_length = PIECE_LENGTH;
  options.creation_date = -1;
  source = g_file_new_for_path (path);
  torrent_bytes = bt_metainfo_create (source, &options, NULL, &error);
  g_assert_no_error (error);
  fixture->meta = bt_metainfo_new_from_bytes (torrent_bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bt_metainfo_get_n_pieces (fixture->meta), ==, N_PIECES);
  g_assert_cmpuint (bt_metainfo_get_piece_size (fixture->meta, LAST_PIECE), ==, LAST_PIECE_SIZE);
  memcpy (fixture->info_hash, bt_metainfo_get_info_hash (fixture->meta), BT_WIRE_INFO_HASH_LENGTH);

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpuint (length, ==, PAYLOAD_SIZE);
  fixture->payload = g_bytes_new (contents, length);

  fixture->expected_have = bt_bitfield_new (N_PIECES);
  bt_bitfield_set_all (fixture->expected_have);
  if (corrupt)
    {
      /* One flipped byte: the check fails the piece, so the seeder does
       * not have it, while the true payload stays in fixture->payload. */
      contents[CORRUPT_PIECE * PIECE_LENGTH + 5] ^= 0xff;
      g_assert_true (g_file_set_contents (path, contents, length, NULL));
      bt_bitfield_clear (fixture->expected_have, CORRUPT_PIECE);
    }

  config.port = 0;
  config.bind_address = "127.0.0.1";
  fixture->session = bt_session_new (&config, &error);
  g_assert_no_error (error);
  fixture->port = bt_session_get_port (fixture->session);
  g_assert_cmpuint (fixture->port, !=, 0);
  memcpy (fixture->session_peer_id, bt_session_get_peer_id (fixture->session),
          BT_WIRE_PEER_ID_LENGTH);

  fixture->torrent = bt_session_add_torrent (fixture->session, fixture->meta, fixture->data_dir,
                                             FALSE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fixture->torrent);

  /* A complete torrent ends up seeding; one with a failed piece stays
   * downloading (from nobody: it has no tracker) and serves the rest. */
  expected_state = corrupt ? BT_TORRENT_STATE_DOWNLOADING : BT_TORRENT_STATE_SEEDING;
  timeout_id = g_timeout_add_seconds (START_TIMEOUT_S, timeout_cb, &timed_out);
  bt_torrent_start (fixture->torrent);
  while (!timed_out && bt_torrent_get_state (fixture->torrent) != expected_state
         && bt_torrent_get_state (fixture->torrent) != BT_TORRENT_STATE_ERROR)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timeout_id);

  g_assert_null (bt_torrent_get_error_message (fixture->torrent));
  g_assert_cmpint (bt_torrent_get_state (fixture->torrent), ==, expected_state);
  g_assert_true (bt_bitfield_equal (bt_torrent_get_have (fixture->torrent),
                                    fixture->expected_have));
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  setup_common (fixture, FALSE);
}

static void
fixture_setup_incomplete (Fixture       *fixture,
                          gconstpointer  data)
{
  setup_common (fixture, TRUE);
}

static void
stopped_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_assert_true (bt_torrent_stop_finish (BT_TORRENT (source), result, NULL));
  *(gboolean *) user_data = TRUE;
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  gboolean stopped = FALSE;

  bt_torrent_stop_async (fixture->torrent, NULL, stopped_cb, &stopped);
  while (!stopped)
    g_main_context_iteration (NULL, TRUE);
  g_clear_object (&fixture->session);
  /* Let the peers' closed notifications run before the torrent goes. */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  bt_test_remove_tree (fixture->tmpdir);
  g_free (fixture->tmpdir);
  g_free (fixture->data_dir);
  g_clear_object (&fixture->meta);
  g_clear_pointer (&fixture->payload, g_bytes_unref);
  g_clear_pointer (&fixture->expected_have, bt_bitfield_free);
}

/* Running a script on a helper thread while the main context turns */

typedef void (*ScriptFunc) (Fixture       *fixture,
                            gconstpointer  data);

typedef struct
{
  Fixture       *fixture;
  ScriptFunc     func;
  gconstpointer  data;
  gint           done;
} Script;

static gpointer
script_thread (gpointer user_data)
{
  Script *script = user_data;

  script->func (script->fixture, script->data);
  g_atomic_int_set (&script->done, 1);
  g_main_context_wakeup (NULL);
  return NULL;
}

static void
run_script (Fixture       *fixture,
            ScriptFunc     func,
            gconstpointer  data)
{
  Script script = { fixture, func, data, 0 };
  GThread *thread;

  thread = g_thread_new ("scripted-peer", script_thread, &script);
  /* g_main_context_wakeup() makes the next iteration return at once if
   * it comes between the check and the iteration, so this cannot hang. */
  while (!g_atomic_int_get (&script.done))
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);

  /* Whatever the script left behind (closed connections) settles. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpint (bt_torrent_get_state (fixture->torrent), !=, BT_TORRENT_STATE_ERROR);
}

/* The scripted peer (helper thread only) */

typedef enum
{
  READ_OK,
  READ_CLOSED,
  READ_TIMED_OUT,
} ReadResult;

static gboolean
is_closed_error (const GError *error)
{
  /* EOF shows as a 0-byte read; a reset (the seeder closed with our bytes
   * unread) or a write after its close shows as one of these. */
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
}

static Peer *
peer_connect (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, fixture->port);
  Peer *peer = g_new0 (Peer, 1);

  peer->fixture = fixture;
  peer->inbuf = g_byte_array_new ();
  peer->max_length = bt_wire_max_message_length (N_PIECES);
  bt_wire_make_peer_id (peer->peer_id);
  peer->socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                               G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_set_timeout (peer->socket, IO_TIMEOUT_S);
  g_socket_connect (peer->socket, address, NULL, &error);
  g_assert_no_error (error);
  /* Each test message goes out at once, in one segment per send(). */
  g_socket_set_option (peer->socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  return peer;
}

static void
peer_free (Peer *peer)
{
  g_socket_close (peer->socket, NULL);
  g_object_unref (peer->socket);
  g_byte_array_unref (peer->inbuf);
  g_free (peer);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Peer, peer_free)

/* Returns FALSE when the seeder closed the connection first. */
static gboolean
peer_send (Peer       *peer,
           GByteArray *bytes)
{
  gsize done = 0;

  while (done < bytes->len)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_send (peer->socket, (const char *) bytes->data + done,
                                bytes->len - done, NULL, &error);

      if (n < 0)
        {
          if (is_closed_error (error))
            return FALSE;
          g_error ("Scripted peer could not send %u bytes: %s", bytes->len, error->message);
        }
      done += n;
    }
  return TRUE;
}

static ReadResult
peer_fill (Peer  *peer,
           gsize  wanted)
{
  while (peer->inbuf->len < wanted)
    {
      g_autoptr(GError) error = NULL;
      guint8 chunk[64 * 1024];
      gssize n = g_socket_receive (peer->socket, (char *) chunk, sizeof chunk, NULL, &error);

      if (n > 0)
        {
          g_byte_array_append (peer->inbuf, chunk, n);
          continue;
        }
      if (n == 0 || is_closed_error (error))
        return READ_CLOSED;
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        return READ_TIMED_OUT;
      g_error ("Scripted peer could not receive: %s", error->message);
    }
  return READ_OK;
}

static void
peer_send_handshake (Peer          *peer,
                     gboolean       fast,
                     const guint8  *info_hash)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  BtHandshake handshake = { { 0 } };

  if (fast)
    bt_wire_reserved_set (handshake.reserved, BT_WIRE_RESERVED_FAST);
  memcpy (handshake.info_hash, info_hash, BT_WIRE_INFO_HASH_LENGTH);
  memcpy (handshake.peer_id, peer->peer_id, BT_WIRE_PEER_ID_LENGTH);
  bt_wire_write_handshake (out, &handshake);
  g_assert_true (peer_send (peer, out));
}

/* Sends our handshake and checks the seeder's answer. */
static void
peer_handshake (Peer     *peer,
                gboolean  fast)
{
  g_autoptr(GError) error = NULL;
  BtHandshake reply;

  peer_send_handshake (peer, fast, peer->fixture->info_hash);
  if (peer_fill (peer, BT_WIRE_HANDSHAKE_LENGTH) != READ_OK)
    g_error ("The seeder did not answer a valid handshake");
  g_assert_cmpint (bt_wire_parse_handshake (peer->inbuf->data, peer->inbuf->len, &reply, &error),
                   ==, BT_WIRE_HANDSHAKE_LENGTH);
  g_assert_no_error (error);
  g_byte_array_remove_range (peer->inbuf, 0, BT_WIRE_HANDSHAKE_LENGTH);

  g_assert_cmpmem (reply.info_hash, 20, peer->fixture->info_hash, 20);
  g_assert_cmpmem (reply.peer_id, 20, peer->fixture->session_peer_id, 20);
  /* We always offer the fast extension. */
  g_assert_true (bt_wire_reserved_test (reply.reserved, BT_WIRE_RESERVED_FAST));
  peer->fast = fast;
}

/* The next message other than a keep-alive; FALSE when the connection
 * closed before one arrived. */
static gboolean
peer_next (Peer    *peer,
           Message *out)
{
  memset (out, 0, sizeof *out);

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      BtMessage message;
      guint32 length;
      gssize used;

      if (!bt_wire_peek_length (peer->inbuf->data, peer->inbuf->len, &length))
        length = 0;
      switch (peer_fill (peer, BT_WIRE_LENGTH_PREFIX + (gsize) length))
        {
        case READ_OK:
          break;
        case READ_CLOSED:
          return FALSE;
        case READ_TIMED_OUT:
          g_error ("The seeder sent no message within %d s", IO_TIMEOUT_S);
        }

      used = bt_wire_parse_message (peer->inbuf->data, peer->inbuf->len, peer->max_length,
                                    &message, &error);
      g_assert_no_error (error);
      g_assert_cmpint (used, >=, 0);
      if (used == 0)
        continue;

      if (message.type != BT_MSG_KEEPALIVE)
        {
          out->type = message.type;
          out->index = message.index;
          out->begin = message.begin;
          out->length = message.length;
          if (message.payload != NULL)
            out->payload = g_bytes_new (message.payload, message.payload_length);
        }
      g_byte_array_remove_range (peer->inbuf, 0, used);
      if (message.type != BT_MSG_KEEPALIVE)
        return TRUE;
    }
}

static void
peer_expect (Peer          *peer,
             BtMessageType  type,
             Message       *out)
{
  if (!peer_next (peer, out))
    g_error ("The seeder closed the connection while we waited for %s",
             bt_wire_message_type_to_string (type));
  if (out->type != type)
    g_error ("The seeder sent %s (%u, %u, %u) where we expected %s",
             bt_wire_message_type_to_string (out->type), out->index, out->begin, out->length,
             bt_wire_message_type_to_string (type));
}

static void
assert_block (Peer          *peer,
              const Message *message,
              guint32        index,
              guint32        begin,
              guint32        length)
{
  const guint8 *payload = g_bytes_get_data (peer->fixture->payload, NULL);

  g_assert_cmpint (message->type, ==, BT_MSG_PIECE);
  g_assert_cmpuint (message->index, ==, index);
  g_assert_cmpuint (message->begin, ==, begin);
  g_assert_cmpuint (message->length, ==, length);
  g_assert_cmpmem (g_bytes_get_data (message->payload, NULL), g_bytes_get_size (message->payload),
                   payload + (gsize) index * PIECE_LENGTH + begin, length);
}

static void
peer_expect_block (Peer    *peer,
                   guint32  index,
                   guint32  begin,
                   guint32  length)
{
  g_auto(Message) message = { 0 };

  peer_expect (peer, BT_MSG_PIECE, &message);
  assert_block (peer, &message, index, begin, length);
}

static void
peer_expect_reject (Peer    *peer,
                    guint32  index,
                    guint32  begin,
                    guint32  length)
{
  g_auto(Message) message = { 0 };

  peer_expect (peer, BT_MSG_REJECT, &message);
  g_assert_cmpuint (message.index, ==, index);
  g_assert_cmpuint (message.begin, ==, begin);
  g_assert_cmpuint (message.length, ==, length);
}

/* Reads the seeder's first message and checks it says what it has: with
 * the fast extension have-all for a seed (BEP 6), else a bitfield. */
static void
peer_expect_have (Peer *peer)
{
  const BtBitfield *have = peer->fixture->expected_have;
  g_auto(Message) message = { 0 };

  if (peer->fast && bt_bitfield_is_complete (have))
    {
      peer_expect (peer, BT_MSG_HAVE_ALL, &message);
      return;
    }

  peer_expect (peer, BT_MSG_BITFIELD, &message);
  {
    gsize length;
    const guint8 *bytes = bt_bitfield_get_data (have, &length);

    g_assert_cmpmem (g_bytes_get_data (message.payload, NULL), g_bytes_get_size (message.payload),
                     bytes, length);
  }
}

/* Connects, handshakes, reads the seeder's bitfield and, with the fast
 * extension, says we have nothing, as BEP 6 asks of every fast peer. */
static Peer *
peer_open (Fixture  *fixture,
           gboolean  fast)
{
  Peer *peer = peer_connect (fixture);

  peer_handshake (peer, fast);
  peer_expect_have (peer);
  if (fast)
    {
      g_autoptr(GByteArray) out = g_byte_array_new ();

      bt_wire_write_have_none (out);
      g_assert_true (peer_send (peer, out));
    }
  return peer;
}

/* Says we are interested and waits for the unchoke: a seed with free
 * slots unchokes a newly interested peer at once. */
static void
peer_get_unchoked (Peer *peer)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_auto(Message) message = { 0 };

  bt_wire_write_interested (out);
  g_assert_true (peer_send (peer, out));
  peer_expect (peer, BT_MSG_UNCHOKE, &message);
}

/* Reads until the seeder closes the connection, and returns how many
 * piece messages came before; fails the test when it does not close. */
static guint
peer_expect_closed (Peer *peer)
{
  guint n_pieces = 0;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      BtMessage message;
      gssize used;

      switch (peer_fill (peer, peer->inbuf->len + 1))
        {
        case READ_OK:
          break;
        case READ_CLOSED:
          return n_pieces;
        case READ_TIMED_OUT:
          g_error ("The seeder did not close the connection within %d s", IO_TIMEOUT_S);
        }

      /* Count the pieces among the whole messages received so far. */
      while ((used = bt_wire_parse_message (peer->inbuf->data, peer->inbuf->len,
                                            peer->max_length, &message, &error)) > 0)
        {
          if (message.type == BT_MSG_PIECE)
            n_pieces++;
          g_byte_array_remove_range (peer->inbuf, 0, used);
        }
      g_assert_no_error (error);
    }
}

/* Everything it sends before closing, for connections closed during the
 * handshake. */
static GBytes *
peer_expect_closed_raw (Peer *peer)
{
  for (;;)
    {
      switch (peer_fill (peer, peer->inbuf->len + 1))
        {
        case READ_OK:
          break;
        case READ_CLOSED:
          return g_bytes_new (peer->inbuf->data, peer->inbuf->len);
        case READ_TIMED_OUT:
          g_error ("The seeder did not close the connection within %d s", IO_TIMEOUT_S);
        }
    }
}

/* A fresh honest downloader gets blocks, the short last one included:
 * whatever happened before, the seeder still serves. */
static void
assert_still_serving (Fixture  *fixture,
                      gboolean  fast)
{
  g_autoptr(Peer) peer = peer_open (fixture, fast);
  g_autoptr(GByteArray) out = g_byte_array_new ();

  peer_get_unchoked (peer);
  bt_wire_write_request (out, LAST_PIECE, BT_BLOCK_SIZE, LAST_BLOCK_LENGTH);
  bt_wire_write_request (out, 0, 0, BT_BLOCK_SIZE);
  g_assert_true (peer_send (peer, out));
  peer_expect_block (peer, LAST_PIECE, BT_BLOCK_SIZE, LAST_BLOCK_LENGTH);
  peer_expect_block (peer, 0, 0, BT_BLOCK_SIZE);
}

/* 1. Honest downloads and cancel */

static void
script_honest (Fixture       *fixture,
               gconstpointer  data)
{
  gboolean fast = GPOINTER_TO_INT (data);
  g_autoptr(Peer) peer = peer_open (fixture, fast);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_auto(Message) message = { 0 };

  peer_get_unchoked (peer);

  /* Whole blocks, the short last block of the short last piece, and an
   * odd block that is not on a 16 KiB boundary (legal, if unusual). */
  bt_wire_write_request (out, 0, 0, BT_BLOCK_SIZE);
  bt_wire_write_request (out, 0, BT_BLOCK_SIZE, BT_BLOCK_SIZE);
  bt_wire_write_request (out, LAST_PIECE, 0, BT_BLOCK_SIZE);
  bt_wire_write_request (out, LAST_PIECE, BT_BLOCK_SIZE, LAST_BLOCK_LENGTH);
  bt_wire_write_request (out, 5, 100, 777);
  g_assert_true (peer_send (peer, out));
  peer_expect_block (peer, 0, 0, BT_BLOCK_SIZE);
  peer_expect_block (peer, 0, BT_BLOCK_SIZE, BT_BLOCK_SIZE);
  peer_expect_block (peer, LAST_PIECE, 0, BT_BLOCK_SIZE);
  peer_expect_block (peer, LAST_PIECE, BT_BLOCK_SIZE, LAST_BLOCK_LENGTH);
  peer_expect_block (peer, 5, 100, 777);

  /* Cancel. Pieces 1-4 are not in the seeder's read cache, so the block
   * of piece 1 waits for a disk read on a worker and the others queue
   * behind it. All five messages go out in one small send() and arrive
   * in one read, so the seeder handles the cancel before that disk read
   * can complete (its completion is dispatched on the same main context):
   * the block of piece 3 is still queued and the cancel removes it.
   * Blocks are served in the order asked, so once the block of piece 4
   * arrives, the one of piece 3 can never come. */
  g_byte_array_set_size (out, 0);
  bt_wire_write_request (out, 1, 0, BT_BLOCK_SIZE);
  bt_wire_write_request (out, 2, 0, BT_BLOCK_SIZE);
  bt_wire_write_request (out, 3, 0, BT_BLOCK_SIZE);
  bt_wire_write_cancel (out, 3, 0, BT_BLOCK_SIZE);
  bt_wire_write_request (out, 4, 0, BT_BLOCK_SIZE);
  g_assert_true (peer_send (peer, out));

  for (guint32 expected = 1; expected <= 4; expected++)
    {
      if (expected == 3)
        continue;
      message_clear (&message);
      g_assert_true (peer_next (peer, &message));
      /* With the fast extension BEP 6 answers a cancel with a reject
       * (tested on its own below); allow it here. */
      while (fast && message.type == BT_MSG_REJECT && message.index == 3)
        {
          message_clear (&message);
          g_assert_true (peer_next (peer, &message));
        }
      assert_block (peer, &message, expected, 0, BT_BLOCK_SIZE);
    }
}

static void
test_honest (Fixture       *fixture,
             gconstpointer  data)
{
  run_script (fixture, script_honest, data);
  /* 5 + 3 blocks went out, the odd one 777 bytes, the short one 1000. */
  g_assert_cmpuint (bt_torrent_get_uploaded (fixture->torrent), ==,
                    6 * BT_BLOCK_SIZE + LAST_BLOCK_LENGTH + 777);
}

/* 2. Requests while choked */

static void
script_request_while_choked (Fixture       *fixture,
                             gconstpointer  data)
{
  gboolean fast = GPOINTER_TO_INT (data);
  g_autoptr(Peer) peer = peer_open (fixture, fast);
  g_autoptr(GByteArray) out = g_byte_array_new ();

  /* Not interested yet, so choked: refused. */
  bt_wire_write_request (out, 0, 0, BT_BLOCK_SIZE);
  bt_wire_write_request (out, LAST_PIECE, BT_BLOCK_SIZE, LAST_BLOCK_LENGTH);
  g_assert_true (peer_send (peer, out));
  if (fast)
    {
      peer_expect_reject (peer, 0, 0, BT_BLOCK_SIZE);
      peer_expect_reject (peer, LAST_PIECE, BT_BLOCK_SIZE, LAST_BLOCK_LENGTH);
    }

  /* Without the fast extension the refusal is silence. The unchoke must
   * come next, with no piece before it; and the seeder serves a peer's
   * requests in order, so if the refused ones had been queued they would
   * arrive before the block asked for now. */
  peer_get_unchoked (peer);
  g_byte_array_set_size (out, 0);
  bt_wire_write_request (out, 1, 0, BT_BLOCK_SIZE);
  g_assert_true (peer_send (peer, out));
  peer_expect_block (peer, 1, 0, BT_BLOCK_SIZE);
}

static void
test_request_while_choked (Fixture       *fixture,
                           gconstpointer  data)
{
  run_script (fixture, script_request_while_choked, data);
  g_assert_cmpuint (bt_torrent_get_uploaded (fixture->torrent), ==, BT_BLOCK_SIZE);
}

/* A choke (here: the peer says it is no longer interested) drops what
 * was queued; nothing of it is sent after. */
static void
script_choke_drops_queue (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(Peer) peer = peer_open (fixture, FALSE);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_auto(Message) message = { 0 };

  peer_get_unchoked (peer);
  /* One send, one read: the choke happens while piece 6 is still being
   * read from disk, with all three blocks queued. */
  bt_wire_write_request (out, 6, 0, BT_BLOCK_SIZE);
  bt_wire_write_request (out, 6, BT_BLOCK_SIZE, BT_BLOCK_SIZE);
  bt_wire_write_request (out, 7, 0, BT_BLOCK_SIZE);
  bt_wire_write_not_interested (out);
  g_assert_true (peer_send (peer, out));
  peer_expect (peer, BT_MSG_CHOKE, &message);

  peer_get_unchoked (peer);
  g_byte_array_set_size (out, 0);
  bt_wire_write_request (out, 8, 0, BT_BLOCK_SIZE);
  g_assert_true (peer_send (peer, out));
  peer_expect_block (peer, 8, 0, BT_BLOCK_SIZE);
}

static void
test_choke_drops_queue (Fixture       *fixture,
                        gconstpointer  data)
{
  run_script (fixture, script_choke_drops_queue, data);
  g_assert_cmpuint (bt_torrent_get_uploaded (fixture->torrent), ==, BT_BLOCK_SIZE);
}

/* 3 and 7. Misbehaving peers that must be disconnected */

typedef struct
{
  const char *path;
  gboolean    fast;
  gboolean    unchoke;  /* be unchoked first, so a request is judged on its range */
  void      (*write) (GByteArray *out);
} BadCase;

static void
write_request_past_piece_end (GByteArray *out)
{
  bt_wire_write_request (out, 0, PIECE_LENGTH - 100, BT_BLOCK_SIZE);
}

static void
write_request_past_last_piece_end (GByteArray *out)
{
  bt_wire_write_request (out, LAST_PIECE, BT_BLOCK_SIZE, LAST_BLOCK_LENGTH + 1);
}

static void
write_request_begin_overflows (GByteArray *out)
{
  /* begin + length wraps around in 32 bits. */
  bt_wire_write_request (out, 0, G_MAXUINT32 - 100, 1000);
}

static void
write_request_piece_out_of_range (GByteArray *out)
{
  bt_wire_write_request (out, N_PIECES, 0, BT_BLOCK_SIZE);
}

static void
write_request_huge_piece (GByteArray *out)
{
  bt_wire_write_request (out, G_MAXUINT32, 0, BT_BLOCK_SIZE);
}

static void
write_request_zero_length (GByteArray *out)
{
  bt_wire_write_request (out, 0, 0, 0);
}

static void
write_request_too_long (GByteArray *out)
{
  bt_wire_write_request (out, 0, 0, BT_TORRENT_MAX_REQUEST_LENGTH + 1);
}

static void
write_request_whole_piece (GByteArray *out)
{
  bt_wire_write_request (out, 0, 0, PIECE_LENGTH);
}

static void
write_cancel_out_of_range (GByteArray *out)
{
  bt_wire_write_cancel (out, N_PIECES, 0, BT_BLOCK_SIZE);
}

static void
write_bitfield_too_long (GByteArray *out)
{
  static const guint8 bits[3] = { 0 };
  BtMessage message = { .type = BT_MSG_BITFIELD, .payload = bits, .payload_length = 3 };

  bt_wire_write_message (out, &message);
}

static void
write_bitfield_too_short (GByteArray *out)
{
  static const guint8 bits[1] = { 0 };
  BtMessage message = { .type = BT_MSG_BITFIELD, .payload = bits, .payload_length = 1 };

  bt_wire_write_message (out, &message);
}

static void
write_bitfield_spare_bits (GByteArray *out)
{
  /* Right length, no real piece, but a bit past piece 9 is set (BEP 3:
   * drop such a peer). */
  static const guint8 bits[2] = { 0x00, 0x01 };
  BtMessage message = { .type = BT_MSG_BITFIELD, .payload = bits, .payload_length = 2 };

  bt_wire_write_message (out, &message);
}

static void
write_have_out_of_range (GByteArray *out)
{
  bt_wire_write_have (out, N_PIECES);
}

static void
write_have_huge (GByteArray *out)
{
  bt_wire_write_have (out, G_MAXUINT32);
}

static void
write_have_wrong_size (GByteArray *out)
{
  /* A have whose length prefix says 4 bytes (id + 3) instead of 5. */
  static const guint8 bytes[] = { 0, 0, 0, 4, BT_MSG_HAVE, 0, 0, 0 };

  g_byte_array_append (out, bytes, sizeof bytes);
}

static void
write_oversized_message (GByteArray *out)
{
  /* Only the prefix and the id: the length alone must be refused,
   * before the seeder waits for (or allocates) the body. */
  guint32 length = GUINT32_TO_BE (bt_wire_max_message_length (N_PIECES) + 1);
  guint8 id = BT_MSG_PIECE;

  g_byte_array_append (out, (const guint8 *) &length, 4);
  g_byte_array_append (out, &id, 1);
}

static void
write_huge_length_prefix (GByteArray *out)
{
  static const guint8 bytes[] = { 0xff, 0xff, 0xff, 0xff, BT_MSG_EXTENDED };

  g_byte_array_append (out, bytes, sizeof bytes);
}

static void
write_have_all (GByteArray *out)
{
  bt_wire_write_have_all (out);
}

static void
write_have_none (GByteArray *out)
{
  bt_wire_write_have_none (out);
}

static const BadCase bad_cases[] = {
  /* 3. Requests the seeder must not serve: out of the piece, past the
   * torrent, empty, longer than we serve. */
  { "/engine/serve/bad-request/past-piece-end", FALSE, TRUE, write_request_past_piece_end },
  { "/engine/serve/bad-request/past-piece-end-fast", TRUE, TRUE, write_request_past_piece_end },
  { "/engine/serve/bad-request/past-last-piece-end", FALSE, TRUE,
    write_request_past_last_piece_end },
  { "/engine/serve/bad-request/begin-overflows", TRUE, TRUE, write_request_begin_overflows },
  { "/engine/serve/bad-request/piece-out-of-range", FALSE, TRUE,
    write_request_piece_out_of_range },
  { "/engine/serve/bad-request/piece-out-of-range-fast", TRUE, TRUE,
    write_request_piece_out_of_range },
  { "/engine/serve/bad-request/piece-out-of-range-choked", TRUE, FALSE,
    write_request_piece_out_of_range },
  { "/engine/serve/bad-request/huge-piece", FALSE, TRUE, write_request_huge_piece },
  { "/engine/serve/bad-request/zero-length", FALSE, TRUE, write_request_zero_length },
  { "/engine/serve/bad-request/zero-length-fast", TRUE, TRUE, write_request_zero_length },
  { "/engine/serve/bad-request/too-long", FALSE, TRUE, write_request_too_long },
  { "/engine/serve/bad-request/too-long-fast", TRUE, TRUE, write_request_too_long },
  { "/engine/serve/bad-request/whole-piece", FALSE, TRUE, write_request_whole_piece },
  { "/engine/serve/bad-request/cancel-out-of-range", FALSE, TRUE, write_cancel_out_of_range },

  /* 7. Malformed messages. */
  { "/engine/serve/malformed/bitfield-too-long", FALSE, FALSE, write_bitfield_too_long },
  { "/engine/serve/malformed/bitfield-too-short", FALSE, FALSE, write_bitfield_too_short },
  { "/engine/serve/malformed/bitfield-spare-bits", FALSE, FALSE, write_bitfield_spare_bits },
  { "/engine/serve/malformed/have-out-of-range", FALSE, FALSE, write_have_out_of_range },
  { "/engine/serve/malformed/have-huge-index", TRUE, FALSE, write_have_huge },
  { "/engine/serve/malformed/have-wrong-size", FALSE, FALSE, write_have_wrong_size },
  { "/engine/serve/malformed/oversized-message", FALSE, FALSE, write_oversized_message },
  { "/engine/serve/malformed/oversized-message-unchoked", TRUE, TRUE, write_oversized_message },
  { "/engine/serve/malformed/huge-length-prefix", FALSE, FALSE, write_huge_length_prefix },
  { "/engine/serve/malformed/have-all-without-fast", FALSE, FALSE, write_have_all },
  { "/engine/serve/malformed/have-none-without-fast", FALSE, FALSE, write_have_none },
};

static void
script_bad (Fixture       *fixture,
            gconstpointer  data)
{
  const BadCase *bad = data;

  {
    g_autoptr(Peer) peer = peer_open (fixture, bad->fast);
    g_autoptr(GByteArray) out = g_byte_array_new ();

    if (bad->unchoke)
      peer_get_unchoked (peer);
    bad->write (out);
    /* The seeder may close before it read all of it. */
    peer_send (peer, out);
    g_assert_cmpuint (peer_expect_closed (peer), ==, 0);
  }

  /* One bad peer does not stop the seeder serving the next. */
  assert_still_serving (fixture, bad->fast);
}

static void
test_bad (Fixture       *fixture,
          gconstpointer  data)
{
  run_script (fixture, script_bad, data);
  g_assert_cmpuint (bt_torrent_get_uploaded (fixture->torrent), ==,
                    BT_BLOCK_SIZE + LAST_BLOCK_LENGTH);
}

/* 4. Requests for a piece the seeder does not have */

static void
script_missing_piece (Fixture       *fixture,
                      gconstpointer  data)
{
  gboolean fast = GPOINTER_TO_INT (data);
  g_autoptr(Peer) peer = peer_open (fixture, fast);
  g_autoptr(GByteArray) out = g_byte_array_new ();

  /* peer_open() checked that the bitfield lacks the piece. */
  peer_get_unchoked (peer);
  bt_wire_write_request (out, CORRUPT_PIECE, 0, BT_BLOCK_SIZE);
  bt_wire_write_request (out, CORRUPT_PIECE, BT_BLOCK_SIZE, BT_BLOCK_SIZE);
  bt_wire_write_request (out, CORRUPT_PIECE + 1, 0, BT_BLOCK_SIZE);
  g_assert_true (peer_send (peer, out));
  if (fast)
    {
      peer_expect_reject (peer, CORRUPT_PIECE, 0, BT_BLOCK_SIZE);
      peer_expect_reject (peer, CORRUPT_PIECE, BT_BLOCK_SIZE, BT_BLOCK_SIZE);
    }
  /* Served in order: the first thing after the refusals is the block of
   * the next piece, never the bad piece's data. */
  peer_expect_block (peer, CORRUPT_PIECE + 1, 0, BT_BLOCK_SIZE);
}

static void
test_missing_piece (Fixture       *fixture,
                    gconstpointer  data)
{
  run_script (fixture, script_missing_piece, data);
  g_assert_cmpuint (bt_torrent_get_uploaded (fixture->torrent), ==, BT_BLOCK_SIZE);
  g_assert_false (bt_bitfield_get (bt_torrent_get_have (fixture->torrent), CORRUPT_PIECE));
}

/* 5. Request flood */

static void
script_flood (Fixture       *fixture,
              gconstpointer  data)
{
  {
    g_autoptr(Peer) peer = peer_open (fixture, FALSE);
    g_autoptr(GByteArray) out = g_byte_array_new ();
    guint n = 2 * BT_TORRENT_MAX_PEER_REQUESTS;

    peer_get_unchoked (peer);
    /* Twice the limit, and we read nothing meanwhile: whatever the seeder
     * manages to send fills the socket buffers (a few MiB at most, a few
     * hundred blocks) and the rest stays queued, far over the limit. */
    for (guint i = 0; i < n; i++)
      {
        guint32 block = i % (2 * N_PIECES - 1); /* every whole block */

        bt_wire_write_request (out, block / 2, (block % 2) * BT_BLOCK_SIZE, BT_BLOCK_SIZE);
      }
    peer_send (peer, out);
    /* Blocks may well have come before the close; what matters is the
     * close. */
    peer_expect_closed (peer);
  }

  assert_still_serving (fixture, FALSE);
}

static void
test_flood (Fixture       *fixture,
            gconstpointer  data)
{
  run_script (fixture, script_flood, NULL);
}

/* 6. Handshakes */

static void
script_wrong_info_hash (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(Peer) peer = peer_connect (fixture);
  g_autoptr(GBytes) received = NULL;
  guint8 other[BT_WIRE_INFO_HASH_LENGTH];

  memcpy (other, fixture->info_hash, sizeof other);
  other[0] ^= 1;
  peer_send_handshake (peer, TRUE, other);
  received = peer_expect_closed_raw (peer);
  g_assert_cmpuint (g_bytes_get_size (received), ==, 0);

  assert_still_serving (fixture, TRUE);
}

static void
script_garbage_handshake (Fixture       *fixture,
                          gconstpointer  data)
{
  const char *texts[] = {
    /* Not BitTorrent at all. */
    "GET /announce?info_hash=%00%01 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n..........",
    /* The right length byte, a wrong protocol string. */
    "\x13" "BitTorrent protocoX" "\0\0\0\0\0\0\0\0" "aaaaaaaaaaaaaaaaaaaa" "bbbbbbbbbbbbbbbbbbbb",
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(Peer) peer = peer_connect (fixture);
      g_autoptr(GByteArray) out = g_byte_array_new ();
      g_autoptr(GBytes) received = NULL;

      /* At least the 48 bytes the session reads before it decides. */
      g_byte_array_append (out, (const guint8 *) texts[i], BT_WIRE_HANDSHAKE_LENGTH);
      peer_send (peer, out);
      received = peer_expect_closed_raw (peer);
      g_assert_cmpuint (g_bytes_get_size (received), ==, 0);
    }

  assert_still_serving (fixture, FALSE);
}

static void
script_self_connection (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(Peer) peer = peer_connect (fixture);
  g_autoptr(GBytes) received = NULL;

  /* Our own peer id coming back: a tracker listed us to ourselves. The
   * seeder may get its handshake out before it closes, nothing more. */
  memcpy (peer->peer_id, fixture->session_peer_id, BT_WIRE_PEER_ID_LENGTH);
  peer_send_handshake (peer, TRUE, fixture->info_hash);
  received = peer_expect_closed_raw (peer);
  g_assert_true (g_bytes_get_size (received) == 0
                 || g_bytes_get_size (received) == BT_WIRE_HANDSHAKE_LENGTH);

  assert_still_serving (fixture, TRUE);
}

static void
script_duplicate_peer_id (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(Peer) first = peer_open (fixture, FALSE);
  g_autoptr(GByteArray) out = g_byte_array_new ();

  /* A second connection from the same peer id is dropped... */
  {
    g_autoptr(Peer) second = peer_connect (fixture);
    g_autoptr(GBytes) received = NULL;

    memcpy (second->peer_id, first->peer_id, BT_WIRE_PEER_ID_LENGTH);
    peer_send_handshake (second, FALSE, fixture->info_hash);
    received = peer_expect_closed_raw (second);
    g_assert_cmpuint (g_bytes_get_size (received), <=, BT_WIRE_HANDSHAKE_LENGTH);
  }

  /* ...and the first one goes on. */
  peer_get_unchoked (first);
  bt_wire_write_request (out, 2, BT_BLOCK_SIZE, BT_BLOCK_SIZE);
  g_assert_true (peer_send (first, out));
  peer_expect_block (first, 2, BT_BLOCK_SIZE, BT_BLOCK_SIZE);
}

#define DEFINE_SCRIPT_TEST(name) \
  static void \
  test_##name (Fixture       *fixture, \
               gconstpointer  data) \
  { \
    run_script (fixture, script_##name, NULL); \
  }

DEFINE_SCRIPT_TEST (wrong_info_hash)
DEFINE_SCRIPT_TEST (garbage_handshake)
DEFINE_SCRIPT_TEST (self_connection)
DEFINE_SCRIPT_TEST (duplicate_peer_id)

/* BEP 6: with the fast extension every request gets exactly one answer,
 * a piece or a reject, a cancelled one included; a choke no longer drops
 * requests silently; and a peer that sends many requests while choked may
 * be disconnected. These use g_test_fail_printf() rather than aborting,
 * so that with --keep-going (-k) each reports on its own; without it the
 * first failure ends the program, which is why they are registered last. */

static void
script_fast_cancel_answered (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(Peer) peer = peer_open (fixture, TRUE);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_auto(Message) message = { 0 };
  gboolean rejected = FALSE;

  peer_get_unchoked (peer);
  /* As in the honest test: the cancel reaches the seeder while the block
   * is still queued. */
  bt_wire_write_request (out, 1, 0, BT_BLOCK_SIZE);
  bt_wire_write_request (out, 2, 0, BT_BLOCK_SIZE);
  bt_wire_write_cancel (out, 2, 0, BT_BLOCK_SIZE);
  bt_wire_write_request (out, 3, 0, BT_BLOCK_SIZE);
  g_assert_true (peer_send (peer, out));

  /* Everything up to the block of piece 3, which is answered after the
   * cancel was handled. */
  for (;;)
    {
      message_clear (&message);
      g_assert_true (peer_next (peer, &message));
      if (message.type == BT_MSG_REJECT && message.index == 2 && message.begin == 0
          && message.length == BT_BLOCK_SIZE)
        rejected = TRUE;
      else if (message.type == BT_MSG_PIECE && message.index == 3)
        break;
      else if (message.type == BT_MSG_PIECE)
        g_assert_cmpuint (message.index, ==, 1);
      else
        g_error ("Unexpected %s", bt_wire_message_type_to_string (message.type));
    }
  if (!rejected)
    g_test_fail_printf ("A cancelled request got neither its piece nor a reject "
                        "(BEP 6: every request gets exactly one of them)");
}

static void
script_fast_choke_rejects_queue (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(Peer) peer = peer_open (fixture, TRUE);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_auto(Message) message = { 0 };
  guint n_rejects = 0;

  peer_get_unchoked (peer);
  /* As in choke-drops-queue: the choke comes with three blocks queued. */
  bt_wire_write_request (out, 6, 0, BT_BLOCK_SIZE);
  bt_wire_write_request (out, 6, BT_BLOCK_SIZE, BT_BLOCK_SIZE);
  bt_wire_write_request (out, 7, 0, BT_BLOCK_SIZE);
  bt_wire_write_not_interested (out);
  g_assert_true (peer_send (peer, out));
  peer_expect (peer, BT_MSG_CHOKE, &message);

  /* Everything until the next unchoke; the rejects for the dropped
   * requests belong with the choke, before it. */
  g_byte_array_set_size (out, 0);
  bt_wire_write_interested (out);
  g_assert_true (peer_send (peer, out));
  for (;;)
    {
      message_clear (&message);
      g_assert_true (peer_next (peer, &message));
      if (message.type == BT_MSG_UNCHOKE)
        break;
      if (message.type == BT_MSG_PIECE)
        g_error ("A block asked for before the choke came after it");
      g_assert_cmpint (message.type, ==, BT_MSG_REJECT);
      n_rejects++;
    }
  if (n_rejects != 3)
    g_test_fail_printf ("A choke dropped 3 queued requests of a fast peer with %u rejects "
                        "(BEP 6: a choke no longer rejects them implicitly)", n_rejects);
}

static void
script_fast_flood_while_choked (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(Peer) peer = peer_open (fixture, TRUE);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  guint n = 4 * BT_TORRENT_MAX_PEER_REQUESTS;
  gboolean closed = FALSE;

  /* Choked, so each request is answered with a reject; we read none of
   * them. A seeder that goes on forever buffers a reject for every 17
   * bytes such a peer sends, without bound. Four times the limit on
   * queued requests is far past anything a sane client does while
   * choked. */
  for (guint i = 0; i < n; i++)
    bt_wire_write_request (out, i % N_PIECES, 0, BT_BLOCK_SIZE);
  if (!peer_send (peer, out))
    closed = TRUE;

  while (!closed)
    {
      switch (peer_fill (peer, peer->inbuf->len + 1))
        {
        case READ_OK:
          /* Rejects; only the close matters. */
          g_byte_array_set_size (peer->inbuf, 0);
          continue;
        case READ_CLOSED:
          closed = TRUE;
          break;
        case READ_TIMED_OUT:
          g_test_fail_printf ("A choked fast peer sent %u requests (the limit for queued ones "
                              "is %u) and is still connected after %d s; the seeder buffers a "
                              "reject for each",
                              n, BT_TORRENT_MAX_PEER_REQUESTS, IO_TIMEOUT_S);
          return;
        }
    }
}

DEFINE_SCRIPT_TEST (fast_cancel_answered)
DEFINE_SCRIPT_TEST (fast_choke_rejects_queue)
DEFINE_SCRIPT_TEST (fast_flood_while_choked)

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/engine/serve/honest", Fixture, GINT_TO_POINTER (FALSE),
              fixture_setup, test_honest, fixture_teardown);
  g_test_add ("/engine/serve/honest-fast", Fixture, GINT_TO_POINTER (TRUE),
              fixture_setup, test_honest, fixture_teardown);
  g_test_add ("/engine/serve/request-while-choked", Fixture, GINT_TO_POINTER (FALSE),
              fixture_setup, test_request_while_choked, fixture_teardown);
  g_test_add ("/engine/serve/request-while-choked-fast", Fixture, GINT_TO_POINTER (TRUE),
              fixture_setup, test_request_while_choked, fixture_teardown);
  g_test_add ("/engine/serve/choke-drops-queue", Fixture, NULL,
              fixture_setup, test_choke_drops_queue, fixture_teardown);
  g_test_add ("/engine/serve/missing-piece", Fixture, GINT_TO_POINTER (FALSE),
              fixture_setup_incomplete, test_missing_piece, fixture_teardown);
  g_test_add ("/engine/serve/missing-piece-fast", Fixture, GINT_TO_POINTER (TRUE),
              fixture_setup_incomplete, test_missing_piece, fixture_teardown);
  g_test_add ("/engine/serve/flood", Fixture, NULL,
              fixture_setup, test_flood, fixture_teardown);
  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    g_test_add (bad_cases[i].path, Fixture, &bad_cases[i],
                fixture_setup, test_bad, fixture_teardown);
  g_test_add ("/engine/serve/handshake/wrong-info-hash", Fixture, NULL,
              fixture_setup, test_wrong_info_hash, fixture_teardown);
  g_test_add ("/engine/serve/handshake/garbage", Fixture, NULL,
              fixture_setup, test_garbage_handshake, fixture_teardown);
  g_test_add ("/engine/serve/handshake/self-connection", Fixture, NULL,
              fixture_setup, test_self_connection, fixture_teardown);
  g_test_add ("/engine/serve/handshake/duplicate-peer-id", Fixture, NULL,
              fixture_setup, test_duplicate_peer_id, fixture_teardown);

  /* Last, so that the tests above report whatever these find. */
  g_test_add ("/engine/serve/fast/cancel-answered", Fixture, NULL,
              fixture_setup, test_fast_cancel_answered, fixture_teardown);
  g_test_add ("/engine/serve/fast/choke-rejects-queue", Fixture, NULL,
              fixture_setup, test_fast_choke_rejects_queue, fixture_teardown);
  g_test_add ("/engine/serve/fast/flood-while-choked", Fixture, NULL,
              fixture_setup, test_fast_flood_while_choked, fixture_teardown);

  return g_test_run ();
}
