/*
 * WebSocket client on the net thread (libwebsockets).
 *
 *	struct dt_ws_opts o = DT_WS_OPTS_INIT;
 *	o.url = "wss://gitlab.example.com/-/cable";
 *	o.subprotocols = (const char *[]){"actioncable-v1-json", NULL};
 *	o.headers = (const char *[]){"Authorization: Bearer ...", NULL};
 *	o.reconnect = 1;
 *	err = dt_ws_open(net, &o, on_event, ctx, &id);
 *
 * One id names a connection across its reconnects.  Events:
 *   CONNECTING  an attempt starts (attempt 1, 2, ... since the last OPEN);
 *   OPEN        the upgrade succeeded (subprotocol = the server's choice);
 *   MESSAGE     a whole message, fragments reassembled, text or binary;
 *   ERROR       an attempt failed before OPEN: connection refused, DNS, TLS,
 *               timeout, or the upgrade was refused (http_status, e.g. 401);
 *   CLOSED      an open connection ended: the peer's close code and reason,
 *               1006 when the connection just dropped, or the code we sent.
 * ERROR and CLOSED say whether a reconnect is scheduled (reconnect_in_ms >= 0)
 * and when; exactly one event per id has `final` set, and it is the last:
 * after it the id is dead and `ud` may be freed.
 *
 * Reconnects (when opts.reconnect is set) follow exponential backoff with
 * jitter.  After the n-th failed attempt in a row the wait is
 * min(max_ms, base_ms * 2^(n-1)) minus up to jitter_pct percent at random;
 * after max_attempts failed attempts in a row (0: no limit) the connection
 * gives up.  When an open connection drops, the first reconnect waits base_ms
 * (with jitter) and the count starts again.  Not retried: our own close, the
 * peer's close with 1000 (normal) or with a code saying the request is wrong
 * (1002, 1003, 1007, 1008, 1009, 1010, 4000-4999), and an upgrade refused
 * with a 3xx or 4xx status other than 408 and 429.  dt_ws_close() stops a
 * scheduled reconnect at any time.
 *
 * Sending: messages sent before OPEN wait for it; when an open connection
 * ends, messages not yet written are dropped (CLOSED.unsent counts them):
 * after a reconnect the caller sends again whatever its protocol needs.
 */
#ifndef DUOTERM_NET_WS_H
#define DUOTERM_NET_WS_H

#include <stddef.h>

#include "duoterm/net/net.h"

struct dt_ws_backoff {
	unsigned base_ms;      /* first delay */
	unsigned max_ms;       /* cap */
	unsigned max_attempts; /* consecutive failures before giving up; 0: never */
	unsigned jitter_pct;   /* 0-100 */
};

/* clang-format off */
#define DT_WS_BACKOFF_INIT {500, 30000, 0, 30}
/* clang-format on */

enum dt_ws_flags {
	DT_WS_INSECURE = 1 << 0, /* no certificate verification */
};

struct dt_ws_opts {
	const char *url;                 /* ws:// or wss:// */
	const char *const *subprotocols; /* offered in order; NULL-terminated */
	const char *const *headers;      /* "Name: value"; NULL-terminated */
	unsigned connect_timeout_ms;     /* up to OPEN; 0: the net default */
	/* Keepalive: send a ping after this many seconds without traffic and
	 * drop the connection when ping_timeout_s more pass without any; 0:
	 * no pings (the connection costs nothing while idle). */
	unsigned ping_interval_s;
	unsigned ping_timeout_s;
	size_t max_message; /* larger messages close with 1009; 0: 16 MiB */
	int reconnect;
	struct dt_ws_backoff backoff;
	unsigned flags; /* enum dt_ws_flags */
};

/* clang-format off */
#define DT_WS_OPTS_INIT {.backoff = DT_WS_BACKOFF_INIT}
/* clang-format on */

enum dt_ws_event_type {
	DT_WS_CONNECTING,
	DT_WS_OPEN,
	DT_WS_MESSAGE,
	DT_WS_ERROR,
	DT_WS_CLOSED,
};

/* Valid during the callback only, like everything it points to. */
struct dt_ws_event {
	enum dt_ws_event_type type;
	dt_net_id id;
	unsigned attempt; /* CONNECTING, ERROR */

	const char *subprotocol; /* OPEN: negotiated, "" for none */

	int binary;       /* MESSAGE */
	const char *data; /* NUL-terminated for convenience */
	size_t len;

	unsigned code;      /* CLOSED: close code; 1005 none given, 1006 dropped */
	const char *reason; /* CLOSED: "" for none */
	int by_peer;        /* CLOSED: the peer closed (or the link dropped) */
	unsigned unsent;    /* CLOSED: messages dropped unsent */

	int http_status;   /* ERROR: status of a refused upgrade, else 0 */
	const char *error; /* ERROR: human message */

	long reconnect_in_ms; /* ERROR, CLOSED: >= 0 a reconnect is scheduled */
	int final;            /* the last event of this id */
};

typedef void (*dt_ws_cb)(const struct dt_ws_event *ev, void *ud);

/*
 * Opens a connection; everything in `opts` is copied.  0 and *id (may be
 * NULL), or -EINVAL (URL not ws:// or wss://, no callback), -EAGAIN,
 * -EPIPE.  Failures to connect arrive as events.
 */
int dt_ws_open(struct dt_net *net, const struct dt_ws_opts *opts, dt_ws_cb cb, void *ud,
               dt_net_id *id);

/* Queues a message (copied).  Unknown or finished ids are ignored. */
int dt_ws_send(struct dt_net *net, dt_net_id id, int binary, const void *data, size_t len);
int dt_ws_send_text(struct dt_net *net, dt_net_id id, const char *text);

/*
 * Closes with `code` (1000 if 0) and `reason` (may be NULL; at most 123
 * bytes are sent), after the messages already queued; or cancels a pending
 * reconnect.  The final CLOSED follows.  0, -EAGAIN, -EPIPE.
 */
int dt_ws_close(struct dt_net *net, dt_net_id id, unsigned code, const char *reason);

#endif
