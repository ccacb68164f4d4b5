/*
 * Server-sent events: the WHATWG "text/event-stream" interpretation rules,
 * as a pure parser (no sockets).  Bytes go in with dt_sse_feed() in chunks
 * of any size, split anywhere; each complete event comes out through a
 * callback.
 *
 * What it does, exactly as the HTML standard's "Interpreting an event
 * stream" section says:
 *   - one leading UTF-8 BOM is skipped; the rest is UTF-8 decoded with
 *     replacement, so every invalid sequence becomes U+FFFD (EF BF BD) and
 *     the strings handed out are always valid UTF-8;
 *   - lines end in CRLF, LF or CR, and a CR at the end of one chunk followed
 *     by an LF at the start of the next is one line end;
 *   - ":" starts a comment; "name: value" drops one space after the colon;
 *     a line without a colon is a field with an empty value;
 *   - "event" sets the type, "data" appends its value plus LF, "id" sets
 *     the last event ID unless it contains U+0000, "retry" (ASCII digits
 *     only) sets the reconnection time; other fields are ignored;
 *   - a blank line dispatches: nothing if no data line was seen, else one
 *     event with the final LF removed and type "message" by default; the
 *     type and data are then cleared (the ID is not);
 *   - at the end of the stream an incomplete event is discarded.
 *
 * A size limit (dt_sse_set_limit, default DT_SSE_DEFAULT_LIMIT) bounds
 * both one line and one event's data, so a peer that never sends a line
 * end cannot make the buffers grow without end: memory use stays within a
 * small multiple of the limit.
 */
#ifndef DUOTERM_NET_SSE_H
#define DUOTERM_NET_SSE_H

#include <stddef.h>

#include "duoterm/core/strbuf.h"

#define DT_SSE_DEFAULT_LIMIT ((size_t)8 << 20)

/*
 * One event.  Every pointer is borrowed from the parser and valid only
 * during the callback: copy what you keep.  All three strings are non-NULL,
 * valid UTF-8 and NUL-terminated.  `type` and `data` may themselves contain
 * NUL bytes (U+0000 is valid in a stream), hence their lengths: compare a
 * type with its length, so that "message\0x" is not taken for "message".
 * `type` is never empty ("message" by default).  `id` is the last event ID
 * as of this event: it persists from earlier events until an "id" field
 * changes it, never contains NUL, and is "" when none was ever set.
 */
struct dt_sse_event {
	const char *type;
	size_t type_len;
	const char *data;
	size_t data_len;
	const char *id;
};

/*
 * Called once per dispatched event.  Returning nonzero stops the parser:
 * dt_sse_feed() returns that value at once, the rest of its chunk is not
 * read, and later feeds return it again until dt_sse_finish().
 */
typedef int (*dt_sse_cb)(void *ud, const struct dt_sse_event *ev);

/* Private: read through the functions below. */
struct dt_sse {
	dt_sse_cb cb;
	void *ud;
	size_t limit;
	struct dt_sb line;    /* a line carried over from the previous chunk */
	struct dt_sb fixed;   /* a line after UTF-8 replacement */
	struct dt_sb data;    /* data buffer */
	struct dt_sb type;    /* event type buffer */
	struct dt_sb id_buf;  /* last event ID buffer (set by "id") */
	struct dt_sb last_id; /* last event ID string (set on dispatch) */
	long retry_ms;
	unsigned bom_matched; /* BOM bytes seen at the start of the stream */
	unsigned bom_done : 1;
	unsigned cr_pending : 1; /* last byte was CR: skip one LF */
	int err;                 /* sticky: an error or a callback's stop */
};

/* Starts a parser; cb may be NULL (events are dropped). */
void dt_sse_init(struct dt_sse *p, dt_sse_cb cb, void *ud);

/* Sets the most bytes in one line and in one event's data; 0 restores the
 * default.  Applies to what is fed from now on. */
void dt_sse_set_limit(struct dt_sse *p, size_t limit);

/*
 * Feeds len bytes (buf may be NULL when len is 0).  Returns 0; or
 * -EMSGSIZE when a line or an event's data grows beyond the limit; or the
 * nonzero value a callback returned.  Errors are sticky: later feeds return
 * the same value and do nothing, until dt_sse_finish().
 */
int dt_sse_feed(struct dt_sse *p, const char *buf, size_t len);

/*
 * Ends the stream: a partial line and an undispatched event are discarded
 * (as the standard says).  Returns the sticky error if any, else 0.  The
 * parser is then ready for a new stream, as after a reconnection: the BOM
 * check restarts and the error is cleared, but the last event ID and the
 * reconnection time are kept (the new stream's ID buffer starts from the
 * last ID, as browsers do, so an event without "id" after a reconnection
 * does not blank it).
 */
int dt_sse_finish(struct dt_sse *p);

/* The reconnection time in milliseconds from the last valid "retry" field
 * (clamped to LONG_MAX), or -1 when none has been seen. */
long dt_sse_retry_ms(const struct dt_sse *p);

/* The last event ID string: what to send as Last-Event-ID on reconnection
 * ("" means send none).  It changes only when an event is dispatched (or
 * a blank line ends an event without data).  Borrowed; valid until the
 * next feed, finish or release. */
const char *dt_sse_last_id(const struct dt_sse *p);

/* Frees every buffer; the struct may be initialised again. */
void dt_sse_release(struct dt_sse *p);

#endif
