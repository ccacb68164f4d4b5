#include "duoterm/gitlab/client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duoterm/core/log.h"
#include "duoterm/core/strbuf.h"
#include "duoterm/gitlab/model.h"

struct dt_gl_call {
	struct dt_gl_call *next;
	struct dt_gl_client *client;
	dt_net_id id;
	dt_gl_cb cb;
	void *ud;
	int owns_ud; /* free(ud) when the call ends */
	char *path;
	struct dt_sb body;
	long status;
	char *etag, *x_total, *x_next_page, *link, *retry_after;
};

void dt_gl_client_init(struct dt_gl_client *c, struct dt_net *net, const char *instance_url,
		       const char *token, const char *token_source)
{
	struct dt_sb sb = DT_SB_INIT;

	*c = (struct dt_gl_client){.net = net, .token_source = token_source};
	dt_sb_addf(&sb, "%s/api/v4", instance_url);
	c->api = dt_sb_detach(&sb, NULL);
	if (token && *token) {
		dt_sb_addf(&sb, "PRIVATE-TOKEN: %s", token);
		c->auth_header = dt_sb_detach(&sb, NULL);
	}
}

static void unlink_call(struct dt_gl_client *c, struct dt_gl_call *call)
{
	for (struct dt_gl_call **p = &c->calls; *p; p = &(*p)->next) {
		if (*p == call) {
			*p = call->next;
			c->in_flight--;
			return;
		}
	}
}

static void free_call(struct dt_gl_call *call)
{
	if (call->owns_ud)
		free(call->ud);
	dt_sb_release(&call->body);
	free(call->path);
	free(call->etag);
	free(call->x_total);
	free(call->x_next_page);
	free(call->link);
	free(call->retry_after);
	free(call);
}

void dt_gl_client_release(struct dt_gl_client *c)
{
	struct dt_gl_call *call = c->calls, *next;

	/* the net thread has stopped: no event will ever name these calls */
	for (; call; call = next) {
		next = call->next;
		free_call(call);
	}
	c->calls = NULL;
	free(c->api);
	if (c->auth_header)
		explicit_bzero(c->auth_header, strlen(c->auth_header));
	free(c->auth_header);
	*c = (struct dt_gl_client){0};
}

void dt_gl_client_cancel_all(struct dt_gl_client *c)
{
	for (struct dt_gl_call *call = c->calls; call; call = call->next)
		dt_http_cancel(c->net, call->id);
}

static char *dup_header(const struct dt_http_event *ev, const char *name)
{
	const char *v = dt_http_header(ev, name);

	return v ? dt_xstrdup(v) : NULL;
}

static void explain(struct dt_sb *err, const struct dt_gl_call *call, const struct dt_http_event *ev)
{
	char *msg;

	if (ev->result) {
		dt_sb_addf(err, "cannot reach GitLab: %s", ev->error && *ev->error ? ev->error :
			   "transfer failed");
		return;
	}
	msg = dt_gl_error_message(call->body.buf, call->body.len);
	switch (call->status) {
	case 401:
		dt_sb_addf(err, "GitLab refused the token (401)%s%s; run 'duoterm login' or set "
			   "GITLAB_TOKEN", call->client && call->client->token_source ? " from " : "",
			   call->client && call->client->token_source ? call->client->token_source : "");
		break;
	case 403:
		dt_sb_addf(err, "forbidden (403)%s%s: the token lacks a scope or access", msg ? ": " : "",
			   msg ? msg : "");
		break;
	case 404:
		dt_sb_addf(err, "not found (404): %s", call->path);
		break;
	case 429:
		dt_sb_addf(err, "GitLab is rate-limiting (429)%s%s", call->retry_after ?
			   "; retry after " : "", call->retry_after ? call->retry_after : "");
		break;
	default:
		dt_sb_addf(err, "GitLab answered %ld%s%s", call->status, msg ? ": " : "",
			   msg ? msg : "");
	}
	free(msg);
}

static void on_http(const struct dt_http_event *ev, void *ud)
{
	struct dt_gl_call *call = ud;
	struct dt_gl_response r = {0};
	struct dt_sb err = DT_SB_INIT;

	switch (ev->type) {
	case DT_HTTP_HEAD:
		call->status = ev->status;
		call->etag = dup_header(ev, "etag");
		call->x_total = dup_header(ev, "x-total");
		call->x_next_page = dup_header(ev, "x-next-page");
		call->link = dup_header(ev, "link");
		call->retry_after = dup_header(ev, "retry-after");
		return;
	case DT_HTTP_BODY:
		dt_sb_add(&call->body, ev->data, ev->len);
		return;
	case DT_HTTP_DONE:
		break;
	}
	unlink_call(call->client, call);
	r.status = ev->result ? 0 : ev->status;
	r.body = dt_sb_str(&call->body);
	r.len = call->body.len;
	r.etag = call->etag;
	r.x_total = call->x_total;
	r.x_next_page = call->x_next_page;
	r.link = call->link;
	r.retry_after = call->retry_after;
	r.duration_ms = (long)(ev->t_total_us / 1000);
	if (ev->result || call->status >= 400) {
		explain(&err, call, ev);
		dt_redact(&err);
		r.error = err.buf;
	}
	dt_info("gitlab", "GET %s -> %ld (%zu bytes, %ld ms)%s%s", call->path, r.status, r.len,
		r.duration_ms, r.error ? ": " : "", r.error ? r.error : "");
	call->cb(&r, call->ud);
	dt_sb_release(&err);
	free_call(call);
}

static int get(struct dt_gl_client *c, const char *path, dt_gl_cb cb, void *ud, int owns)
{
	struct dt_http_request req = DT_HTTP_REQUEST_INIT;
	struct dt_gl_call *call = dt_xcalloc(1, sizeof(*call));
	struct dt_sb url = DT_SB_INIT;
	const char *headers[3] = {"Accept: application/json", NULL, NULL};
	int rc;

	call->client = c;
	call->cb = cb;
	call->ud = ud;
	call->path = dt_xstrdup(path);
	dt_sb_addf(&url, "%s%s", c->api, path);
	headers[1] = c->auth_header;
	req.url = url.buf;
	req.headers = headers;
	rc = dt_http_start(c->net, &req, on_http, call, &call->id);
	dt_sb_release(&url);
	call->owns_ud = owns;
	if (rc) {
		free_call(call);
		return rc;
	}
	call->next = c->calls;
	c->calls = call;
	c->in_flight++;
	return 0;
}

int dt_gl_get(struct dt_gl_client *c, const char *path, dt_gl_cb cb, void *ud)
{
	return get(c, path, cb, ud, 0);
}

int dt_gl_get_owned(struct dt_gl_client *c, const char *path, dt_gl_cb cb, void *ud)
{
	return get(c, path, cb, ud, 1);
}
