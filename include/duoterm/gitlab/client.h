/*
 * GitLab REST v4 requests over the net thread.  Main thread only.
 *
 * A client knows the instance and the token; each call sends one request
 * (or a few: pages, retries) and calls back exactly once, on the main
 * thread, with the whole response or a human reason why there is none.
 *
 * Manners towards the server:
 *  - ETag: with DT_GL_CONDITIONAL a GET sends If-None-Match with the ETag
 *    last seen for that URL; a 304 is answered from the cache (the body of
 *    the earlier 200, `not_modified` set).  The cache is per client, per
 *    URL, bounded (DT_GL_CACHE_MAX entries, least recently used goes).
 *  - Pagination: dt_gl_link_next() reads Link rel="next" (offset and keyset
 *    alike: the URL is followed as given, and only when it is on the
 *    instance's own origin); DT_GL_ALL_PAGES follows it and hands back one
 *    JSON array of every page's items.
 *  - 429: waits Retry-After (seconds or an HTTP date), else exponential
 *    backoff, plus jitter, then retries; 5xx and transport failures are
 *    retried with backoff for idempotent methods (GET, PUT) only; at most
 *    `max_attempts` attempts.  Retries need a loop (dt_gl_client_set_loop);
 *    without one, the first failure is final.
 *  - At most `max_concurrent` requests in flight (the client serves one
 *    host); the rest wait in order.
 *  - 401: the client remembers the token was refused (auth_rejected) and,
 *    when a reauth hook is set (OAuth refresh), parks the call, asks the
 *    hook once for all parked calls, and replays them after
 *    dt_gl_client_set_token() — or fails them after dt_gl_client_auth_failed().
 *  - Audit: every attempt appends a line to the audit log (core/audit.h):
 *    {"kind":"http","layer":"gitlab","method","path","status","bytes",
 *     "duration_ms","attempt"[,"cached":true]} — never a header or a body.
 *
 * The token travels only in the PRIVATE-TOKEN header (a personal access
 * token) or "Authorization: Bearer" (OAuth): never in a URL, a message or a
 * log line.
 */
#ifndef DUOTERM_GITLAB_CLIENT_H
#define DUOTERM_GITLAB_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "duoterm/net/http.h"

struct dt_loop;

struct dt_gl_response {
	long status;       /* HTTP status; 0 when no response arrived; 200 after a 304 */
	const char *body;  /* NUL-terminated */
	size_t len;
	const char *etag, *x_total, *x_next_page, *link, *retry_after, *content_range;
	/* set when the call did not succeed (transport failure or status >= 400):
	 * what happened and what to do, fit for the status line */
	const char *error;
	long duration_ms;   /* of the last attempt */
	int not_modified;   /* a 304: body is the cached one */
	int attempts;       /* 1 + retries */
	int pages;          /* with DT_GL_ALL_PAGES */
	int auth_failed;    /* 401: sign in again */
	int transport;      /* no answer from the server (offline, DNS, reset) */
};

typedef void (*dt_gl_cb)(const struct dt_gl_response *r, void *ud);

enum dt_gl_flags {
	DT_GL_CONDITIONAL = 1 << 0, /* If-None-Match / 304 from the cache */
	DT_GL_ALL_PAGES = 1 << 1,   /* follow Link rel="next", one array back */
	DT_GL_NO_RETRY = 1 << 2,    /* the first answer is final */
	DT_GL_OWNS_UD = 1 << 3,     /* free(ud) after the callback (or on failure) */
	DT_GL_RAW = 1 << 4,         /* Accept: text/plain (job traces) */
};

struct dt_gl_req {
	const char *method;    /* NULL: GET */
	const char *path;      /* "/projects/42/..." under /api/v4, or an absolute URL
	                        * on the instance's origin (a Link) */
	const char *body;      /* sent as is (copied); NULL for none */
	size_t body_len;       /* 0: strlen(body) */
	const char *content_type; /* NULL: application/json when there is a body */
	uint64_t range_from;   /* > 0: "Range: bytes=N-" */
	unsigned flags;        /* enum dt_gl_flags */
	int max_pages;         /* DT_GL_ALL_PAGES: 0 is 50 */
};

#define DT_GL_REQ_INIT {0}
#define DT_GL_CACHE_MAX 128

enum dt_gl_token_kind { DT_GL_TOKEN_PAT, DT_GL_TOKEN_OAUTH };

struct dt_gl_stats {
	unsigned long requests, not_modified, retries, bytes, rate_limited;
};

struct dt_gl_call;
struct dt_gl_cache_entry;

struct dt_gl_client {
	struct dt_net *net;
	struct dt_loop *loop; /* for retry timers; may be NULL */
	char *api;            /* https://host[/root]/api/v4 */
	char *origin;         /* https://host[:port] */
	char *auth_header;    /* "PRIVATE-TOKEN: ..." / "Authorization: Bearer ..." or NULL */
	const char *token_source;
	unsigned in_flight;       /* calls not yet answered (running, queued, waiting) */
	unsigned running;         /* requests on the wire */
	unsigned max_concurrent;  /* 0: 4 */
	unsigned max_attempts;    /* 0: 4 */
	unsigned backoff_base_ms; /* 0: 500 */
	unsigned backoff_max_ms;  /* 0: 30000 */
	struct dt_gl_call *calls; /* every call not yet answered */
	struct dt_gl_cache_entry *cache;
	unsigned nr_cache;
	unsigned rnd;             /* jitter state */
	int auth_rejected;        /* the last answer was a 401 */
	int reauth_pending;
	/* OAuth: called (once for every call parked meanwhile) when a 401 arrives;
	 * return 1 when a refresh started (then call dt_gl_client_set_token or
	 * dt_gl_client_auth_failed), 0 to fail the call now. */
	int (*reauth)(struct dt_gl_client *c, void *ud);
	void *reauth_ud;
	/* Told when auth_rejected changes (a "sign in again" indicator). */
	void (*on_auth)(struct dt_gl_client *c, void *ud);
	void *on_auth_ud;
	struct dt_gl_stats stats;
};

void dt_gl_client_init(struct dt_gl_client *c, struct dt_net *net, const char *instance_url,
		       const char *token, const char *token_source);
/* Enables retries (one-shot timers on loop). */
void dt_gl_client_set_loop(struct dt_gl_client *c, struct dt_loop *loop);
/* A new token (copied; NULL for none), e.g. after an OAuth refresh: parked
 * calls are replayed with it. */
void dt_gl_client_set_token(struct dt_gl_client *c, const char *token, enum dt_gl_token_kind kind);
/* The refresh failed: parked calls fail with "sign in again". */
void dt_gl_client_auth_failed(struct dt_gl_client *c);
/* Cancels every call (their callbacks still run, with an error) and the
 * retry timers. */
void dt_gl_client_cancel_all(struct dt_gl_client *c);
/* Frees the client and the calls still in flight, without calling back.
 * Only after the net thread has stopped (dt_net_stop), since no event may
 * name those calls afterwards.  Does not touch the loop. */
void dt_gl_client_release(struct dt_gl_client *c);

/* Starts a call.  0, or -errno (the callback is then not called; with
 * DT_GL_OWNS_UD ud is freed). */
int dt_gl_request(struct dt_gl_client *c, const struct dt_gl_req *req, dt_gl_cb cb, void *ud);

/* GET api + path (path starts with '/', may carry a query). */
int dt_gl_get(struct dt_gl_client *c, const char *path, dt_gl_cb cb, void *ud);
/* The same, but the call owns ud (malloc'ed). */
int dt_gl_get_owned(struct dt_gl_client *c, const char *path, dt_gl_cb cb, void *ud);
/* POST/PUT a JSON object (serialised here). */
int dt_gl_send_json(struct dt_gl_client *c, const char *method, const char *path,
		    const void *json /* const cJSON * */, dt_gl_cb cb, void *ud);

/* ---- pure pieces, for tests ---- */

/* The URL of rel="next" in a Link header (newly allocated), or NULL. */
char *dt_gl_link_next(const char *link);
/* Retry-After: delta-seconds or an HTTP date, in ms from now_s (unix
 * seconds); -1 when absent or unreadable. */
long dt_gl_retry_after_ms(const char *value, long long now_s);
/* The wait before retry number `attempt` (1 = the first retry): at least
 * retry_after_ms when >= 0, else min(max, base * 2^(attempt-1)); then
 * jitter: up to +25% on a Retry-After, -30%..0 on backoff.  rnd is any
 * random number. */
long dt_gl_backoff_ms(unsigned attempt, long retry_after_ms, unsigned base_ms, unsigned max_ms,
		      unsigned rnd);
/* The cached body for a URL (absolute), or NULL; for tests. */
const char *dt_gl_cache_lookup(struct dt_gl_client *c, const char *url, const char **etag);

#endif
