/*
 * The net thread: one pthread, one libuv loop, every socket duoterm opens.
 *
 * libcurl's multi-socket API (HTTP, see http.h) and libwebsockets as a
 * foreign libuv loop (WebSocket, see ws.h) share that loop.  The main thread
 * never touches curl, lws or libuv: it talks to the net thread only through
 * messages.
 *
 *   main thread                                   net thread
 *   dt_http_start(), dt_ws_open(), ...  --to_net-->  (uv_async wake)
 *   dt_net_dispatch(msg)  <--to_main--  events pushed as they happen
 *
 * Requests: the dt_http_* and dt_ws_* calls copy everything they are given
 * into an owned message and push it on `to_net`, a queue the net object
 * owns.  They never block: a full queue is -EAGAIN ("busy"), a stopped net
 * -EPIPE.
 *
 * Events: the net thread pushes owned messages of type DT_MSG_NET.. on the
 * caller's `to_main` queue.  The main loop hands each of them to
 * dt_net_dispatch(), which calls the callback given with the request, on the
 * main thread, and frees the message.  Every request carries a callback and
 * an opaque `ud` pointer; every event names its request by id.  Each module
 * documents which event is the last one for an id: until it has been
 * dispatched, `ud` must stay valid.
 *
 * Back-pressure: the net thread never blocks on a full `to_main`.  Events
 * that do not fit wait, in order, in the net thread's own outbox; while the
 * outbox is not empty HTTP transfers are paused (curl stops reading their
 * sockets and TCP pushes back on the server), and WebSocket connections keep
 * reading until a byte budget is spent, so that pings keep being answered.
 * dt_net_dispatch() tells the net thread when the main thread has made room.
 *
 * Idle: with no transfer running and WebSockets open but quiet, the net
 * thread sleeps in epoll_wait with no timer armed (keepalive pings only when a
 * connection asks for them).  See doc/net.md.
 */
#ifndef DUOTERM_NET_NET_H
#define DUOTERM_NET_NET_H

#include <stddef.h>
#include <stdint.h>

#include "duoterm/core/bus.h"

struct dt_net;

/* Identifies one request (an HTTP transfer or a WebSocket connection) for
 * its whole life; never 0, never reused by one dt_net. */
typedef uint64_t dt_net_id;

/*
 * Message types.  0x0100-0x013f are requests (main -> net), 0x0140-0x017f
 * events (net -> main) of net.c, http.c and ws.c; 0x0180-0x01ff are free for
 * the other modules of src/net/ whose events also go through
 * dt_net_dispatch() (see struct dt_net_event).
 */
enum dt_net_msg_type {
	DT_NET_REQ_HTTP_START = DT_MSG_NET + 0x01,
	DT_NET_REQ_HTTP_CANCEL,
	DT_NET_REQ_WS_OPEN,
	DT_NET_REQ_WS_SEND,
	DT_NET_REQ_WS_CLOSE,

	DT_NET_EV_HTTP = DT_MSG_NET + 0x40,
	DT_NET_EV_WS,
};

/* True for a message that dt_net_dispatch() takes. */
#define DT_NET_IS_EVENT(type) ((type) >= DT_MSG_NET + 0x40 && (type) <= DT_MSG_NET + 0xff)

struct dt_net_opts {
	/*
	 * Trust.  ca_file is a PEM bundle that replaces the system's (as
	 * SSL_CERT_FILE does everywhere); NULL: $SSL_CERT_FILE, else the
	 * system bundle.  ca_dir likewise with $SSL_CERT_DIR.  `insecure`
	 * turns certificate and host name verification off for every
	 * connection (only `duoterm doctor --insecure` should want it).
	 */
	const char *ca_file;
	const char *ca_dir;
	int insecure;

	/*
	 * Proxy.  NULL: from the environment as curl reads it (http_proxy for
	 * http:// and ws://; https_proxy or HTTPS_PROXY for https:// and
	 * wss://; all_proxy or ALL_PROXY otherwise).  "" means no proxy.
	 * no_proxy: NULL is $no_proxy or $NO_PROXY; a comma-separated list of
	 * host names or domain suffixes, "*" for all.  The environment is
	 * read once, by dt_net_start().
	 */
	const char *proxy;
	const char *no_proxy;

	unsigned max_host_connections; /* 0: 6 */
	unsigned connect_timeout_ms;   /* default of requests; 0: 10 s */
	unsigned idle_timeout_ms;      /* default of HTTP requests; 0: 60 s */
	const char *user_agent;        /* NULL: "duoterm" */
	size_t to_net_cap;             /* 0: the bus default */
	/* WebSocket bytes that may wait in the outbox before WebSocket reads
	 * pause too; 0: 4 MiB. */
	size_t ws_outbox_budget;
};

/* clang-format off */
#define DT_NET_OPTS_INIT {0}
/* clang-format on */

/*
 * Starts the net thread.  `to_main` is the caller's queue (its wake callback
 * wakes the main loop); it must outlive dt_net_stop().  `opts` may be NULL;
 * its strings are copied.  Returns NULL when the thread or one of its
 * libraries cannot start (the reason is logged).
 */
struct dt_net *dt_net_start(struct dt_queue *to_main, const struct dt_net_opts *opts);

/*
 * Stops the net thread: aborts every transfer, drops every WebSocket
 * connection (no further events are pushed, not even the last ones), closes
 * every handle, joins the thread and frees `net`.  Events already in
 * `to_main` stay there: free them with dt_msg_free() (or dt_queue_release())
 * — they must not be dispatched after this returns.  Must not be called from
 * inside a dispatched callback.  NULL is a no-op.
 */
void dt_net_stop(struct dt_net *net);

/*
 * Runs the callback an event message carries, on the calling (main) thread,
 * then frees the message.  Takes any message for which
 * DT_NET_IS_EVENT(msg->type) holds.  Callbacks may start, cancel, send and
 * close freely.
 */
void dt_net_dispatch(struct dt_msg *msg);

/* Counters for tests, benchmarks and `duoterm doctor`; safe from any thread. */
struct dt_net_stats {
	uint64_t loop_iterations; /* times the net thread woke up */
	uint64_t stalls;          /* times to_main was full */
	uint64_t outbox_peak;     /* most events ever waiting in the outbox */
	uint64_t outbox_len;      /* events waiting now */
	uint64_t http_active;     /* transfers running */
	uint64_t http_paused;     /* times a transfer was paused */
	uint64_t ws_open;         /* WebSocket connections open */
	uint64_t ws_messages_in;  /* WebSocket messages received */
	uint64_t ws_rx_paused;    /* times a WebSocket stopped reading (budget spent) */
};

void dt_net_get_stats(struct dt_net *net, struct dt_net_stats *out);

/*
 * Every event message starts with this.  Modules of src/net/ that define
 * their own events embed it first and set `dispatch`, which runs the
 * callback (it must not free the message: dt_net_dispatch() does).
 */
struct dt_net_event {
	struct dt_msg msg;
	struct dt_net *net; /* set by the net thread */
	void (*dispatch)(struct dt_net_event *ev);
	size_t size; /* payload bytes (outbox budget) */
};

#ifdef DT_NET_INTERNAL
/*
 * Net-thread internals shared by src/net/{net,http,ws}.c.  Not for other
 * layers: everything below runs on the net thread only (except the request
 * helpers, which run on the main thread).
 */
struct uv_loop_s;
struct dt_http_engine;
struct dt_ws_engine;

/* The effective configuration: opts with the environment folded in. */
struct dt_net_conf {
	char *ca_file, *ca_dir;
	int insecure;
	char *http_proxy, *https_proxy, *no_proxy; /* NULL: none */
	unsigned max_host_connections, connect_timeout_ms, idle_timeout_ms;
	char *user_agent;
	size_t ws_outbox_budget;
};

/* Main thread: a fresh id, and sending a request (given away on success). */
dt_net_id dt_net__next_id(struct dt_net *net);
int dt_net__request(struct dt_net *net, struct dt_msg *msg);

/* Net thread. */
struct uv_loop_s *dt_net__loop(struct dt_net *net);
const struct dt_net_conf *dt_net__conf(struct dt_net *net);
/* Pushes an event (given away) to the main thread, or to the outbox when
 * to_main is full; `bytes` is its payload size, for the budget.  Returns 1
 * when the outbox is in use after the call (the caller should pause). */
int dt_net__emit(struct dt_net *net, struct dt_net_event *ev, size_t bytes);
int dt_net__stalled(struct dt_net *net);
/* Bytes of events waiting in the outbox. */
size_t dt_net__outbox_bytes(struct dt_net *net);
void dt_net__stat_add(struct dt_net *net, size_t offset, int64_t delta);
#define DT_NET_STAT(net, field, delta)                                                             \
	dt_net__stat_add(net, offsetof(struct dt_net_stats, field), delta)

/* Doubly linked lists of structs with prev/next members. */
#define DT_LIST_ADD(head, x)                                                                       \
	do {                                                                                       \
		(x)->prev = NULL;                                                                  \
		(x)->next = (head);                                                                \
		if (head)                                                                          \
			(head)->prev = (x);                                                        \
		(head) = (x);                                                                      \
	} while (0)
#define DT_LIST_DEL(head, x)                                                                       \
	do {                                                                                       \
		if ((x)->prev)                                                                     \
			(x)->prev->next = (x)->next;                                               \
		else                                                                               \
			(head) = (x)->next;                                                        \
		if ((x)->next)                                                                     \
			(x)->next->prev = (x)->prev;                                               \
	} while (0)

/* Picks the proxy for a URL scheme and host from conf (NULL: direct). */
const char *dt_net__proxy_for(const struct dt_net_conf *conf, int tls, const char *host);

/* http.c and ws.c, driven by net.c. */
struct dt_http_engine *dt_http__engine_new(struct dt_net *net);
void dt_http__engine_handle(struct dt_http_engine *eng, struct dt_msg *req);
void dt_http__engine_resume(struct dt_http_engine *eng);
void dt_http__engine_shutdown(struct dt_http_engine *eng);
void dt_http__engine_free(struct dt_http_engine *eng);

struct dt_ws_engine *dt_ws__engine_new(struct dt_net *net);
void dt_ws__engine_handle(struct dt_ws_engine *eng, struct dt_msg *req);
void dt_ws__engine_resume(struct dt_ws_engine *eng);
void dt_ws__engine_shutdown(struct dt_ws_engine *eng);
/* 1 once every lws handle is closed and the context destroyed. */
int dt_ws__engine_done(struct dt_ws_engine *eng);
void dt_ws__engine_free(struct dt_ws_engine *eng);
#endif

#endif
