/*
 * GitLab REST v4 requests over the net thread.  Main thread only.
 *
 * A client knows the instance and the token; each call sends one request
 * and calls back once, on the main thread, with the whole response (status,
 * body, the headers GitLab uses for paging and caching) or a human reason
 * why there is none.  The token travels only in the PRIVATE-TOKEN header:
 * never in a URL, a message or a log line.
 */
#ifndef DUOTERM_GITLAB_CLIENT_H
#define DUOTERM_GITLAB_CLIENT_H

#include <stddef.h>

#include "duoterm/net/http.h"

struct dt_gl_response {
	long status;       /* HTTP status; 0 when no response arrived */
	const char *body;  /* NUL-terminated */
	size_t len;
	const char *etag, *x_total, *x_next_page, *link, *retry_after;
	/* set when the call did not succeed (transport failure or status >= 400):
	 * what happened and what to do, fit for the status line */
	const char *error;
	long duration_ms;
};

typedef void (*dt_gl_cb)(const struct dt_gl_response *r, void *ud);

struct dt_gl_client {
	struct dt_net *net;
	char *api;          /* https://host[/root]/api/v4 */
	char *auth_header;  /* "PRIVATE-TOKEN: ..." or NULL */
	const char *token_source;
	unsigned in_flight;
	struct dt_gl_call *calls; /* in flight, so release can cancel them */
};

void dt_gl_client_init(struct dt_gl_client *c, struct dt_net *net, const char *instance_url,
		       const char *token, const char *token_source);
/* Asks the net thread to cancel what is in flight (their callbacks still
 * run, with an error). */
void dt_gl_client_cancel_all(struct dt_gl_client *c);
/* Frees the client and the calls still in flight, without calling back.
 * Only after the net thread has stopped (dt_net_stop), since no event may
 * name those calls afterwards. */
void dt_gl_client_release(struct dt_gl_client *c);

/* GET api + path (path starts with '/', may carry a query).  0 or -errno
 * (the callback is then not called). */
int dt_gl_get(struct dt_gl_client *c, const char *path, dt_gl_cb cb, void *ud);
/* The same, but the call owns ud (malloc'ed) and frees it after the callback
 * or when the client is released — even on failure to start. */
int dt_gl_get_owned(struct dt_gl_client *c, const char *path, dt_gl_cb cb, void *ud);

#endif
