/*
 * HTTP on the net thread (libcurl multi).
 *
 *	struct dt_http_request req = DT_HTTP_REQUEST_INIT;
 *	req.url = "https://gitlab.example.com/api/v4/user";
 *	req.headers = (const char *[]){"PRIVATE-TOKEN: ...", NULL};
 *	err = dt_http_start(net, &req, on_event, ctx, &id);
 *
 * Every request gets, in this order: at most one DT_HTTP_HEAD, any number of
 * DT_HTTP_BODY chunks (in order, as they arrive, already decompressed), and
 * exactly one DT_HTTP_DONE — the last event for that id, also after
 * dt_http_cancel(), after which `ud` may be freed.  HEAD is not sent when no
 * response arrived (connection refused, timeout before the status line).
 *
 * What every transfer gets: HTTP/2 over TLS when the server offers it
 * (HTTP/1.1 otherwise), multiplexing and connection reuse across requests to
 * a host (one curl multi), at most `max_host_connections` connections per
 * host, "Accept-Encoding" for every encoding curl decodes, TLS session reuse,
 * TCP keepalive, certificate and host name verification against the bundle
 * of dt_net_opts, the proxy of dt_net_opts.  No redirects are followed unless
 * asked.
 */
#ifndef DUOTERM_NET_HTTP_H
#define DUOTERM_NET_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "duoterm/net/net.h"

enum dt_http_flags {
	DT_HTTP_FOLLOW_REDIRECTS = 1 << 0, /* up to 5 */
	DT_HTTP_HTTP1 = 1 << 1,            /* never HTTP/2 */
	DT_HTTP_NO_DECOMPRESS = 1 << 2,    /* no Accept-Encoding, raw body */
	DT_HTTP_INSECURE = 1 << 3,         /* no certificate verification */
};

struct dt_http_request {
	const char *method;         /* NULL: GET, or POST with a body */
	const char *url;            /* http:// or https:// */
	const char *const *headers; /* "Name: value", NULL-terminated */
	const void *body;           /* sent as is; may be NULL */
	size_t body_len;
	/* 0: the net default; < 0: none (not for connect). */
	long connect_timeout_ms;
	/* The transfer fails when nothing arrives for this long. */
	long idle_timeout_ms;
	long total_timeout_ms; /* 0: none */
	unsigned flags;        /* enum dt_http_flags */
};

/* clang-format off */
#define DT_HTTP_REQUEST_INIT {0}
/* clang-format on */

struct dt_http_header {
	const char *name;  /* as the server spelled it */
	const char *value; /* trimmed */
};

enum dt_http_event_type {
	DT_HTTP_HEAD,
	DT_HTTP_BODY,
	DT_HTTP_DONE,
};

/*
 * An event.  It and everything it points to belong to the dispatcher and
 * are valid only during the callback: copy what you keep.
 */
struct dt_http_event {
	enum dt_http_event_type type;
	dt_net_id id;

	/* HEAD (status also in DONE) */
	long status;                          /* 200, 404, ... */
	int http_version;                     /* 10, 11, 20, 30 */
	const struct dt_http_header *headers; /* of the final response */
	size_t n_headers;

	/* BODY: a chunk of the (decoded) body, NUL-terminated for convenience */
	const char *data;
	size_t len;

	/* DONE */
	int result;          /* CURLcode: 0 is success (whatever the status) */
	const char *error;   /* human message, "" on success */
	int cancelled;       /* ended by dt_http_cancel() */
	uint64_t body_bytes; /* bytes delivered in BODY events */
	uint64_t bytes_up;   /* request body bytes sent */
	uint64_t header_bytes;
	long connects; /* new connections made: 0 means one was reused */
	/* microseconds since the start: DNS done, TCP connected, TLS done,
	 * first byte, end */
	int64_t t_dns_us, t_connect_us, t_tls_us, t_first_byte_us, t_total_us;
};

typedef void (*dt_http_cb)(const struct dt_http_event *ev, void *ud);

/*
 * Starts a request; everything in `req` is copied.  On success *id (may be
 * NULL) names it and `cb` will be called with `ud`.  -EINVAL for a missing
 * URL or callback, -EAGAIN when the request queue is full, -EPIPE once the
 * net is stopping.
 */
int dt_http_start(struct dt_net *net, const struct dt_http_request *req, dt_http_cb cb, void *ud,
                  dt_net_id *id);

/*
 * Cancels a request: its DONE event (cancelled = 1) follows unless the
 * transfer had already ended, in which case its real DONE is already on the
 * way.  Events queued before the cancel are still delivered.  0, -EAGAIN,
 * -EPIPE.
 */
int dt_http_cancel(struct dt_net *net, dt_net_id id);

/* Whether a DONE event's result says the TCP connection was made but the TLS
 * handshake failed: 2 when the peer's certificate did not verify, 1 for
 * another TLS failure (CA bundle, cipher ...), 0 otherwise. */
int dt_http_result_is_tls(int result);

/* The first header named `name` (case-insensitive) of a HEAD event, or NULL. */
const char *dt_http_header(const struct dt_http_event *ev, const char *name);

#endif
