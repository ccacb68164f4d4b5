#include "duoterm/gitlab/client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "duoterm/core/audit.h"
#include "duoterm/core/log.h"
#include "duoterm/core/loop.h"
#include "duoterm/core/strbuf.h"
#include "duoterm/gitlab/model.h"

enum call_state { CALL_QUEUED, CALL_RUNNING, CALL_WAITING, CALL_PARKED };

struct dt_gl_cache_entry {
	struct dt_gl_cache_entry *next;
	char *url, *etag, *body, *x_total, *link;
	size_t len;
};

struct dt_gl_call {
	struct dt_gl_call *next;
	struct dt_gl_client *client;
	enum call_state state;
	dt_net_id id;
	uint64_t timer;
	dt_gl_cb cb;
	void *ud;
	unsigned flags;
	char *method, *url, *first_url, *body, *content_type;
	size_t body_len;
	uint64_t range_from;
	int max_pages, pages, attempts, reauthed, cancelled;
	cJSON *items; /* DT_GL_ALL_PAGES: pages so far */
	struct dt_sb resp;
	long status;
	char *etag, *x_total, *x_next_page, *link, *retry_after, *content_range;
};

/* ---- pure pieces --------------------------------------------------------- */

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* 1 when the parameters of a link-value (after '>') hold rel=next. */
static int rel_is_next(const char *p, const char *end)
{
	const char *r;

	for (r = p; r && r < end; r = memchr(r, ';', (size_t)(end - r))) {
		r = skip_ws(r + (*r == ';'));
		if (strncasecmp(r, "rel", 3))
			continue;
		r = skip_ws(r + 3);
		if (*r != '=')
			continue;
		r = skip_ws(r + 1);
		r += *r == '"';
		while (r < end && *r != '"' && *r != ';' && *r != ',') {
			size_t n = strcspn(r, " \t\";,");

			if (n == 4 && !strncasecmp(r, "next", 4))
				return 1;
			r = skip_ws(r + n);
		}
	}
	return 0;
}

char *dt_gl_link_next(const char *link)
{
	const char *p = link, *lt, *gt, *end;

	while (p && (lt = strchr(p, '<')) && (gt = strchr(lt, '>'))) {
		end = strchr(gt, '<');
		if (!end)
			end = gt + strlen(gt);
		if (rel_is_next(gt + 1, end) && gt > lt + 1)
			return dt_xstrndup(lt + 1, (size_t)(gt - lt - 1));
		p = gt + 1;
	}
	return NULL;
}

long dt_gl_retry_after_ms(const char *value, long long now_s)
{
	struct tm tm = {0};
	char *end;
	long long s;

	if (!value || !*value)
		return -1;
	value = skip_ws(value);
	if (*value >= '0' && *value <= '9') {
		s = strtoll(value, &end, 10);
		if (*skip_ws(end) || s < 0 || s > 86400)
			return -1;
		return (long)(s * 1000);
	}
	end = strptime(value, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (!end || *skip_ws(end))
		return -1;
	s = (long long)timegm(&tm) - now_s;
	if (s > 86400)
		return -1;
	return s < 0 ? 0 : (long)(s * 1000);
}

long dt_gl_backoff_ms(unsigned attempt, long retry_after_ms, unsigned base_ms, unsigned max_ms,
		      unsigned rnd)
{
	unsigned long long wait = base_ms ? base_ms : 500;

	if (!max_ms)
		max_ms = 30000;
	for (unsigned i = 1; i < attempt && wait < max_ms; i++)
		wait *= 2;
	if (wait > max_ms)
		wait = max_ms;
	if (retry_after_ms >= 0) {
		/* never earlier than asked; spread clients that were told the same */
		wait = (unsigned long long)retry_after_ms;
		return (long)(wait + (wait / 4 + 1) * (rnd % 1000) / 1000);
	}
	return (long)(wait - wait * 3 / 10 * (rnd % 1000) / 1000);
}

/* ---- the cache ------------------------------------------------------------ */

static void cache_entry_free(struct dt_gl_cache_entry *e)
{
	free(e->url);
	free(e->etag);
	free(e->body);
	free(e->x_total);
	free(e->link);
	free(e);
}

/* Finds url and moves it to the front (most recently used). */
static struct dt_gl_cache_entry *cache_find(struct dt_gl_client *c, const char *url)
{
	struct dt_gl_cache_entry **p, *e;

	for (p = &c->cache; (e = *p); p = &e->next) {
		if (!strcmp(e->url, url)) {
			*p = e->next;
			e->next = c->cache;
			c->cache = e;
			return e;
		}
	}
	return NULL;
}

static void cache_store(struct dt_gl_client *c, const char *url, const char *etag,
			const char *body, size_t len, const char *x_total, const char *link)
{
	struct dt_gl_cache_entry *e = cache_find(c, url), **p;

	if (!e) {
		e = dt_xcalloc(1, sizeof(*e));
		e->url = dt_xstrdup(url);
		e->next = c->cache;
		c->cache = e;
		if (++c->nr_cache > DT_GL_CACHE_MAX) {
			for (p = &c->cache; (*p)->next; p = &(*p)->next)
				;
			cache_entry_free(*p);
			*p = NULL;
			c->nr_cache--;
		}
	}
	free(e->etag);
	free(e->body);
	free(e->x_total);
	free(e->link);
	e->etag = dt_xstrdup(etag);
	e->body = dt_xstrndup(body, len);
	e->len = len;
	e->x_total = x_total ? dt_xstrdup(x_total) : NULL;
	e->link = link ? dt_xstrdup(link) : NULL;
}

const char *dt_gl_cache_lookup(struct dt_gl_client *c, const char *url, const char **etag)
{
	struct dt_gl_cache_entry *e = cache_find(c, url);

	if (etag)
		*etag = e ? e->etag : NULL;
	return e ? e->body : NULL;
}

/* ---- the client ----------------------------------------------------------- */

static char *origin_of(const char *url)
{
	const char *p = strstr(url, "://");
	size_t n;

	if (!p)
		return dt_xstrdup(url);
	n = strcspn(p + 3, "/?#");
	return dt_xstrndup(url, (size_t)(p + 3 - url) + n);
}

void dt_gl_client_init(struct dt_gl_client *c, struct dt_net *net, const char *instance_url,
		       const char *token, const char *token_source)
{
	struct dt_sb sb = DT_SB_INIT;
	size_t n = strlen(instance_url);

	*c = (struct dt_gl_client){.net = net, .token_source = token_source};
	while (n && instance_url[n - 1] == '/')
		n--;
	dt_sb_add(&sb, instance_url, n);
	dt_sb_adds(&sb, "/api/v4");
	c->api = dt_sb_detach(&sb, NULL);
	c->origin = origin_of(instance_url);
	c->rnd = (unsigned)dt_now_ms() ^ (unsigned)(uintptr_t)c;
	dt_gl_client_set_token(c, token, DT_GL_TOKEN_PAT);
}

void dt_gl_client_set_loop(struct dt_gl_client *c, struct dt_loop *loop)
{
	c->loop = loop;
}

static void forget_token(struct dt_gl_client *c)
{
	if (c->auth_header)
		explicit_bzero(c->auth_header, strlen(c->auth_header));
	free(c->auth_header);
	c->auth_header = NULL;
}

static void pump(struct dt_gl_client *c);

void dt_gl_client_set_token(struct dt_gl_client *c, const char *token, enum dt_gl_token_kind kind)
{
	struct dt_sb sb = DT_SB_INIT;
	int was = c->auth_rejected;

	forget_token(c);
	if (token && *token) {
		dt_secret_register(token);
		dt_sb_addf(&sb, kind == DT_GL_TOKEN_OAUTH ? "Authorization: Bearer %s" :
			   "PRIVATE-TOKEN: %s", token);
		c->auth_header = dt_sb_detach(&sb, NULL);
	}
	c->reauth_pending = 0;
	c->auth_rejected = 0;
	for (struct dt_gl_call *call = c->calls; call; call = call->next)
		if (call->state == CALL_PARKED)
			call->state = CALL_QUEUED;
	if (was && c->on_auth)
		c->on_auth(c, c->on_auth_ud);
	pump(c);
}

static void free_call(struct dt_gl_call *call)
{
	if (call->flags & DT_GL_OWNS_UD)
		free(call->ud);
	cJSON_Delete(call->items);
	dt_sb_release(&call->resp);
	free(call->method);
	free(call->url);
	free(call->first_url);
	free(call->body);
	free(call->content_type);
	free(call->etag);
	free(call->x_total);
	free(call->x_next_page);
	free(call->link);
	free(call->retry_after);
	free(call->content_range);
	free(call);
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

void dt_gl_client_release(struct dt_gl_client *c)
{
	struct dt_gl_call *call = c->calls, *next;
	struct dt_gl_cache_entry *e, *en;

	/* the net thread has stopped: no event will ever name these calls */
	for (; call; call = next) {
		next = call->next;
		free_call(call);
	}
	for (e = c->cache; e; e = en) {
		en = e->next;
		cache_entry_free(e);
	}
	free(c->api);
	free(c->origin);
	forget_token(c);
	*c = (struct dt_gl_client){0};
}

/* The path for messages and the audit log: the URL without the origin. */
static const char *short_path(const struct dt_gl_client *c, const char *url)
{
	size_t n = strlen(c->origin);

	return strncmp(url, c->origin, n) ? url : url + n;
}

static void audit(const struct dt_gl_call *call, const struct dt_http_event *ev)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "kind", "http");
	cJSON_AddStringToObject(o, "layer", "gitlab");
	cJSON_AddStringToObject(o, "method", call->method);
	cJSON_AddStringToObject(o, "path", short_path(call->client, call->url));
	cJSON_AddNumberToObject(o, "status", ev->result ? 0 : (double)ev->status);
	cJSON_AddNumberToObject(o, "bytes", (double)ev->body_bytes);
	cJSON_AddNumberToObject(o, "duration_ms", (double)(ev->t_total_us / 1000));
	cJSON_AddNumberToObject(o, "attempt", call->attempts);
	if (ev->status == 304)
		cJSON_AddTrueToObject(o, "cached");
	if (ev->result)
		cJSON_AddStringToObject(o, "error", ev->error ? ev->error : "transfer failed");
	dt_audit_write(o);
	cJSON_Delete(o);
}

static void explain(struct dt_sb *err, const struct dt_gl_call *call, const struct dt_http_event *ev)
{
	const struct dt_gl_client *c = call->client;
	char *msg;

	if (ev && ev->result) {
		dt_sb_addf(err, "cannot reach GitLab: %s", ev->error && *ev->error ? ev->error :
			   "transfer failed");
		return;
	}
	if (call->cancelled && !call->status) {
		dt_sb_adds(err, "cancelled");
		return;
	}
	msg = dt_gl_error_message(call->resp.buf, call->resp.len);
	switch (call->status) {
	case 401:
		dt_sb_addf(err, "GitLab refused the token (401)%s%s: sign in again with "
			   "'duoterm login' or set GITLAB_TOKEN", c->token_source ? " from " : "",
			   c->token_source ? c->token_source : "");
		break;
	case 403:
		dt_sb_addf(err, "forbidden (403)%s%s: the token lacks a scope or access", msg ? ": " : "",
			   msg ? msg : "");
		break;
	case 404:
		dt_sb_addf(err, "not found (404): %s", short_path(c, call->url));
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

static void finish(struct dt_gl_call *call, const struct dt_http_event *ev, const char *body,
		   size_t len, int not_modified)
{
	struct dt_gl_client *c = call->client;
	struct dt_gl_response r = {0};
	struct dt_sb err = DT_SB_INIT;

	unlink_call(c, call);
	r.status = call->status;
	r.body = body ? body : "";
	r.len = len;
	r.etag = call->etag;
	r.x_total = call->x_total;
	r.x_next_page = call->x_next_page;
	r.link = call->link;
	r.retry_after = call->retry_after;
	r.content_range = call->content_range;
	r.duration_ms = ev ? (long)(ev->t_total_us / 1000) : 0;
	r.not_modified = not_modified;
	r.attempts = call->attempts;
	r.pages = call->pages;
	r.transport = (ev && ev->result) || (!ev && !call->status);
	r.auth_failed = call->status == 401;
	if (r.transport || call->status >= 400 || call->cancelled) {
		explain(&err, call, ev);
		dt_redact(&err);
		r.error = err.buf;
		if (r.transport)
			r.status = 0;
	}
	dt_debug("gitlab", "%s %s -> %ld (%zu bytes, %ld ms)%s%s", call->method,
		 short_path(c, call->url), r.status, r.len, r.duration_ms, r.error ? ": " : "",
		 r.error ? r.error : "");
	call->cb(&r, call->ud);
	dt_sb_release(&err);
	free_call(call);
	pump(c);
}

static int start(struct dt_gl_call *call);

static void on_retry_timer(struct dt_loop *loop, void *ud)
{
	struct dt_gl_call *call = ud;

	(void)loop;
	call->timer = 0;
	call->state = CALL_QUEUED;
	pump(call->client);
}

static int idempotent(const char *method)
{
	return !strcmp(method, "GET") || !strcmp(method, "PUT") || !strcmp(method, "HEAD");
}

/* 1 when the call was scheduled again. */
static int maybe_retry(struct dt_gl_call *call, const struct dt_http_event *ev)
{
	struct dt_gl_client *c = call->client;
	unsigned max = c->max_attempts ? c->max_attempts : 4;
	long ra = -1, wait;
	int again;

	if (call->flags & DT_GL_NO_RETRY || !c->loop || call->cancelled ||
	    (unsigned)call->attempts >= max)
		return 0;
	if (ev->result)
		again = idempotent(call->method);
	else if (ev->status == 429)
		again = 1;
	else
		again = ev->status >= 500 && ev->status != 501 && idempotent(call->method);
	if (!again)
		return 0;
	if (ev->status == 429) {
		c->stats.rate_limited++;
		ra = dt_gl_retry_after_ms(call->retry_after, (long long)time(NULL));
	}
	c->rnd = c->rnd * 1103515245u + 12345u;
	wait = dt_gl_backoff_ms((unsigned)call->attempts, ra, c->backoff_base_ms, c->backoff_max_ms,
				c->rnd >> 8);
	call->timer = dt_loop_add_timer(c->loop, (uint64_t)wait, on_retry_timer, call);
	if (!call->timer)
		return 0;
	dt_info("gitlab", "%s %s: %ld, retry %d in %ld ms", call->method,
		short_path(c, call->url), ev->result ? 0L : ev->status, call->attempts, wait);
	c->stats.retries++;
	call->state = CALL_WAITING;
	c->running--;
	return 1;
}

/* A 401: park the call for a token refresh, when there is a way to get one. */
static int maybe_park(struct dt_gl_call *call)
{
	struct dt_gl_client *c = call->client;

	if (call->reauthed || !c->reauth)
		return 0;
	call->reauthed = 1;
	call->state = CALL_PARKED;
	c->running--;
	if (c->reauth_pending)
		return 1;
	c->reauth_pending = 1;
	if (c->reauth(c, c->reauth_ud))
		return 1;
	c->reauth_pending = 0;
	call->state = CALL_RUNNING;
	c->running++;
	return 0;
}

static void set_auth_rejected(struct dt_gl_client *c, int rejected)
{
	if (c->auth_rejected == rejected)
		return;
	c->auth_rejected = rejected;
	if (c->on_auth)
		c->on_auth(c, c->on_auth_ud);
}

static int next_page(struct dt_gl_call *call)
{
	char *next = call->link ? dt_gl_link_next(call->link) : NULL;
	cJSON *page;

	page = cJSON_ParseWithLength(call->resp.buf ? call->resp.buf : "", call->resp.len);
	if (!cJSON_IsArray(page)) {
		cJSON_Delete(page);
		free(next);
		return 0;
	}
	if (!call->items)
		call->items = cJSON_CreateArray();
	while (page->child) {
		cJSON *it = page->child;

		cJSON_DetachItemViaPointer(page, it);
		cJSON_AddItemToArray(call->items, it);
	}
	cJSON_Delete(page);
	call->pages++;
	if (!next || strncmp(next, call->client->origin, strlen(call->client->origin)) ||
	    call->pages >= call->max_pages) {
		free(next);
		return 0;
	}
	free(call->url);
	call->url = next;
	return 1;
}

static void done_ok(struct dt_gl_call *call, const struct dt_http_event *ev)
{
	struct dt_gl_client *c = call->client;
	char *all;

	if (call->flags & DT_GL_ALL_PAGES && call->status == 200) {
		if (next_page(call)) {
			dt_sb_reset(&call->resp);
			call->state = CALL_QUEUED;
			c->running--;
			pump(c);
			return;
		}
		if (call->items) {
			all = cJSON_PrintUnformatted(call->items);
			dt_sb_reset(&call->resp);
			dt_sb_adds(&call->resp, all);
			free(all);
		}
	}
	if (call->status == 200 && call->etag && call->flags & DT_GL_CONDITIONAL)
		cache_store(c, call->first_url, call->etag, call->resp.buf ? call->resp.buf : "",
			    call->resp.len, call->x_total, call->link);
	c->running--;
	finish(call, ev, call->resp.buf, call->resp.len, 0);
}

static void done_not_modified(struct dt_gl_call *call, const struct dt_http_event *ev)
{
	struct dt_gl_client *c = call->client;
	struct dt_gl_cache_entry *e = cache_find(c, call->first_url);

	c->running--;
	c->stats.not_modified++;
	call->status = 200;
	if (e && !call->x_total && e->x_total)
		call->x_total = dt_xstrdup(e->x_total);
	if (e && !call->link && e->link)
		call->link = dt_xstrdup(e->link);
	if (e)
		finish(call, ev, e->body, e->len, 1);
	else /* evicted meanwhile: a 304 without a body to reuse */
		finish(call, ev, "", 0, 1);
}

static void take_head(struct dt_gl_call *call, const struct dt_http_event *ev)
{
	static const struct {
		const char *name;
		size_t off;
	} h[] = {
		{"etag", offsetof(struct dt_gl_call, etag)},
		{"x-total", offsetof(struct dt_gl_call, x_total)},
		{"x-next-page", offsetof(struct dt_gl_call, x_next_page)},
		{"link", offsetof(struct dt_gl_call, link)},
		{"retry-after", offsetof(struct dt_gl_call, retry_after)},
		{"content-range", offsetof(struct dt_gl_call, content_range)},
	};

	call->status = ev->status;
	for (size_t i = 0; i < sizeof(h) / sizeof(*h); i++) {
		char **field = (char **)((char *)call + h[i].off);
		const char *v = dt_http_header(ev, h[i].name);

		free(*field);
		*field = v ? dt_xstrdup(v) : NULL;
	}
}

static void on_http(const struct dt_http_event *ev, void *ud)
{
	struct dt_gl_call *call = ud;
	struct dt_gl_client *c = call->client;

	switch (ev->type) {
	case DT_HTTP_HEAD:
		take_head(call, ev);
		return;
	case DT_HTTP_BODY:
		dt_sb_add(&call->resp, ev->data, ev->len);
		return;
	case DT_HTTP_DONE:
		break;
	}
	call->id = 0;
	c->stats.bytes += ev->body_bytes;
	audit(call, ev);
	if (ev->cancelled)
		call->cancelled = 1;
	if (ev->result) {
		call->status = 0;
		if (maybe_retry(call, ev))
			return;
		c->running--;
		finish(call, ev, NULL, 0, 0);
		return;
	}
	if (call->status == 401) {
		set_auth_rejected(c, 1);
		if (maybe_park(call))
			return;
	} else if (call->status < 400) {
		set_auth_rejected(c, 0);
	}
	if (call->status == 304) {
		done_not_modified(call, ev);
		return;
	}
	if (call->status >= 400 && maybe_retry(call, ev))
		return;
	if (call->status >= 400) {
		c->running--;
		finish(call, ev, call->resp.buf, call->resp.len, 0);
		return;
	}
	done_ok(call, ev);
}

static int start(struct dt_gl_call *call)
{
	struct dt_gl_client *c = call->client;
	struct dt_http_request req = DT_HTTP_REQUEST_INIT;
	struct dt_sb inm = DT_SB_INIT, range = DT_SB_INIT, ct = DT_SB_INIT;
	const char *headers[7];
	const char *etag = NULL;
	size_t n = 0;
	int rc;

	headers[n++] = call->flags & DT_GL_RAW ? "Accept: text/plain, */*" :
						 "Accept: application/json";
	if (c->auth_header)
		headers[n++] = c->auth_header;
	if (call->flags & DT_GL_CONDITIONAL && !call->pages &&
	    dt_gl_cache_lookup(c, call->first_url, &etag) && etag) {
		dt_sb_addf(&inm, "If-None-Match: %s", etag);
		headers[n++] = inm.buf;
	}
	if (call->range_from) {
		dt_sb_addf(&range, "Range: bytes=%llu-", (unsigned long long)call->range_from);
		headers[n++] = range.buf;
	}
	if (call->body) {
		dt_sb_addf(&ct, "Content-Type: %s", call->content_type ? call->content_type :
			   "application/json");
		headers[n++] = ct.buf;
	}
	headers[n] = NULL;
	req.method = call->method;
	req.url = call->url;
	req.headers = headers;
	req.body = call->body;
	req.body_len = call->body_len;
	dt_sb_reset(&call->resp);
	call->status = 0;
	call->attempts++;
	rc = dt_http_start(c->net, &req, on_http, call, &call->id);
	dt_sb_release(&inm);
	dt_sb_release(&range);
	dt_sb_release(&ct);
	if (rc)
		return rc;
	c->stats.requests++;
	call->state = CALL_RUNNING;
	c->running++;
	return 0;
}

/* Starts queued calls, oldest first, while there is room. */
static void pump(struct dt_gl_client *c)
{
	unsigned cap = c->max_concurrent ? c->max_concurrent : 4;
	struct dt_gl_call *order[64], *call;
	size_t n = 0;

	if (!c->api)
		return;
	/* the list is newest first: collect the queued ones, start from the end */
	for (call = c->calls; call && n < sizeof(order) / sizeof(*order); call = call->next)
		if (call->state == CALL_QUEUED && !call->cancelled)
			order[n++] = call;
	while (n && c->running < cap) {
		call = order[--n];
		if (start(call)) {
			call->state = CALL_QUEUED; /* busy queue: try again on the next answer */
			break;
		}
	}
}

static char *make_url(const struct dt_gl_client *c, const char *path)
{
	struct dt_sb sb = DT_SB_INIT;

	if (strstr(path, "://"))
		return dt_xstrdup(path);
	dt_sb_addf(&sb, "%s%s", c->api, path);
	return dt_sb_detach(&sb, NULL);
}

int dt_gl_request(struct dt_gl_client *c, const struct dt_gl_req *req, dt_gl_cb cb, void *ud)
{
	struct dt_gl_call *call;

	if (!c->api || !req->path || !cb || (strstr(req->path, "://") &&
					      strncmp(req->path, c->origin, strlen(c->origin)))) {
		if (req->flags & DT_GL_OWNS_UD)
			free(ud);
		return -EINVAL;
	}
	call = dt_xcalloc(1, sizeof(*call));
	call->client = c;
	call->cb = cb;
	call->ud = ud;
	call->flags = req->flags;
	call->method = dt_xstrdup(req->method ? req->method : "GET");
	call->url = make_url(c, req->path);
	call->first_url = dt_xstrdup(call->url);
	if (req->body) {
		call->body_len = req->body_len ? req->body_len : strlen(req->body);
		call->body = dt_xstrndup(req->body, call->body_len);
	}
	if (req->content_type)
		call->content_type = dt_xstrdup(req->content_type);
	call->range_from = req->range_from;
	call->max_pages = req->max_pages > 0 ? req->max_pages : 50;
	call->state = CALL_QUEUED;
	call->next = c->calls;
	c->calls = call;
	c->in_flight++;
	if (c->reauth_pending)
		call->state = CALL_PARKED;
	pump(c);
	if (call->state == CALL_QUEUED && c->running == 0) {
		/* nothing running and it could not start: the net is gone or busy */
		unlink_call(c, call);
		free_call(call);
		return -EAGAIN;
	}
	return 0;
}

int dt_gl_get(struct dt_gl_client *c, const char *path, dt_gl_cb cb, void *ud)
{
	struct dt_gl_req req = {.path = path};

	return dt_gl_request(c, &req, cb, ud);
}

int dt_gl_get_owned(struct dt_gl_client *c, const char *path, dt_gl_cb cb, void *ud)
{
	struct dt_gl_req req = {.path = path, .flags = DT_GL_OWNS_UD};

	return dt_gl_request(c, &req, cb, ud);
}

int dt_gl_send_json(struct dt_gl_client *c, const char *method, const char *path,
		    const void *json, dt_gl_cb cb, void *ud)
{
	struct dt_gl_req req = {.method = method, .path = path};
	char *text = json ? cJSON_PrintUnformatted(json) : NULL;
	int rc;

	req.body = text ? text : "{}";
	rc = dt_gl_request(c, &req, cb, ud);
	free(text);
	return rc;
}

/* Fails every call in a state (not on the wire) with a message. */
static void fail_calls(struct dt_gl_client *c, enum call_state state, long status, int cancelled)
{
	struct dt_gl_call *call;

	for (;;) {
		for (call = c->calls; call && call->state != state; call = call->next)
			;
		if (!call)
			return;
		if (call->timer && c->loop)
			dt_loop_cancel_timer(c->loop, call->timer);
		call->timer = 0;
		call->status = status;
		call->cancelled = cancelled;
		finish(call, NULL, "", 0, 0);
	}
}

void dt_gl_client_auth_failed(struct dt_gl_client *c)
{
	c->reauth_pending = 0;
	set_auth_rejected(c, 1);
	fail_calls(c, CALL_PARKED, 401, 0);
}

void dt_gl_client_cancel_all(struct dt_gl_client *c)
{
	for (struct dt_gl_call *call = c->calls; call; call = call->next) {
		call->cancelled = 1;
		if (call->state == CALL_RUNNING && call->id)
			dt_http_cancel(c->net, call->id);
	}
	fail_calls(c, CALL_WAITING, 0, 1);
	fail_calls(c, CALL_PARKED, 0, 1);
	fail_calls(c, CALL_QUEUED, 0, 1);
}
