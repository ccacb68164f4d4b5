/*
 * A small HTTP server on the net thread (see listen.h).
 *
 * One `struct server` per dt_listen_open(): an lws context of its own with
 * one listening vhost, on the net loop (foreign libuv loop).  One `struct
 * pend` per request, from LWS_CALLBACK_HTTP to the answer being written (or
 * the connection closing first); the wsi's session data points at it and
 * is cleared when it goes, so nothing lws does later reaches freed memory.
 * dt_listen_close() lets the answers already given be written first (the
 * last page a browser gets must reach it), then the server ends; an ended
 * server waits on `dying` until lws has let go of its context
 * (info.pcontext clears our pointer), then is freed.
 */
#define DT_NET_INTERNAL
#include "duoterm/net/listen.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <libwebsockets.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "duoterm/core/log.h"
#include "duoterm/core/strbuf.h"

#define MOD "listen"

struct server;

struct pend {
	struct pend *prev, *next;
	struct server *s;
	struct lws *wsi;
	uint64_t req;
	int status; /* 0 until answered */
	char *ctype, *body;
};

struct pss {
	struct pend *p;
};

struct server {
	struct server *prev, *next;
	struct dt_listen_engine *eng;
	dt_net_id id;
	dt_listen_cb cb;
	void *ud;
	struct lws_context *ctx;
	struct lws_protocols protocols[2];
	struct pend *pends;
	uint64_t next_req;
	int ended;   /* the final event went (or may not go) */
	int closing; /* dt_listen_close(): ends once the answers given are written */
};

struct dt_listen_engine {
	struct dt_net *net;
	struct server *servers, *dying;
	uv_timer_t later; /* ends closing servers outside lws's callbacks */
	int timer_up, shutting_down;
};

/* ---- messages ------------------------------------------------------------ */

struct lreq {
	struct dt_msg msg;
	dt_net_id id;
	char *address;
	int port;
	dt_listen_cb cb;
	void *ud;
	uint64_t req;
	int status;
	char *ctype, *body;
};

struct lev {
	struct dt_net_event base;
	dt_listen_cb cb;
	void *ud;
	struct dt_listen_event ev;
	char *method, *path, *query, *error;
};

static void req_destroy(struct dt_msg *msg)
{
	struct lreq *r = (struct lreq *)msg;

	free(r->address);
	free(r->ctype);
	free(r->body);
	free(r);
}

static void ev_destroy(struct dt_msg *msg)
{
	struct lev *e = (struct lev *)msg;

	free(e->method);
	free(e->path);
	free(e->query);
	free(e->error);
	free(e);
}

static void ev_dispatch(struct dt_net_event *base)
{
	struct lev *e = (struct lev *)base;

	e->cb(&e->ev, e->ud);
}

/* ---- main thread ------------------------------------------------------------ */

static int send_req(struct dt_net *net, struct lreq *r, int type)
{
	int err;

	r->msg.type = type;
	r->msg.destroy = req_destroy;
	err = dt_net__request(net, &r->msg);
	if (err)
		req_destroy(&r->msg);
	return err;
}

int dt_listen_open(struct dt_net *net, const char *address, int port, dt_listen_cb cb, void *ud,
		   dt_net_id *id)
{
	struct lreq *r;
	int err;

	if (!net || !address || !cb || port < 0 || port > 65535)
		return -EINVAL;
	r = dt_xcalloc(1, sizeof(*r));
	r->id = dt_net__next_id(net);
	r->address = dt_xstrdup(address);
	r->port = port;
	r->cb = cb;
	r->ud = ud;
	*id = r->id;
	err = send_req(net, r, DT_NET_REQ_LISTEN_OPEN);
	if (err)
		*id = 0;
	return err;
}

int dt_listen_answer(struct dt_net *net, dt_net_id id, uint64_t req, int status,
		     const char *content_type, const char *body)
{
	struct lreq *r;

	if (!net || !id || status < 100 || status > 599)
		return -EINVAL;
	r = dt_xcalloc(1, sizeof(*r));
	r->id = id;
	r->req = req;
	r->status = status;
	r->ctype = dt_xstrdup(content_type ? content_type : "text/plain; charset=utf-8");
	r->body = dt_xstrdup(body ? body : "");
	return send_req(net, r, DT_NET_REQ_LISTEN_ANSWER);
}

int dt_listen_close(struct dt_net *net, dt_net_id id)
{
	struct lreq *r;

	if (!net || !id)
		return -EINVAL;
	r = dt_xcalloc(1, sizeof(*r));
	r->id = id;
	return send_req(net, r, DT_NET_REQ_LISTEN_CLOSE);
}

/* ---- net thread: events --------------------------------------------------- */

static void emit(struct server *s, enum dt_listen_event_type type, struct lev *e)
{
	if (s->ended)
		goto drop;
	if (type == DT_LISTEN_ERROR || type == DT_LISTEN_CLOSED)
		s->ended = 1;
	if (s->eng->shutting_down)
		goto drop; /* no events once the net is stopping */
	e->base.msg.type = DT_NET_EV_LISTEN;
	e->base.msg.destroy = ev_destroy;
	e->base.dispatch = ev_dispatch;
	e->cb = s->cb;
	e->ud = s->ud;
	e->ev.type = type;
	e->ev.id = s->id;
	e->ev.method = e->method ? e->method : "";
	e->ev.path = e->path ? e->path : "";
	e->ev.query = e->query ? e->query : "";
	e->ev.error = e->error ? e->error : "";
	dt_net__emit(s->eng->net, &e->base,
		     (e->path ? strlen(e->path) : 0) + (e->query ? strlen(e->query) : 0));
	return;
drop:
	ev_destroy(&e->base.msg);
}

/* Percent-encodes what would change the meaning of a query again. */
static void encode(struct dt_sb *sb, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || strchr("-._~", c))
			dt_sb_addc(sb, (char)c);
		else
			dt_sb_addf(sb, "%%%02X", c);
	}
}

/* The arguments lws decoded, one fragment each ("name=value"), as a query. */
static char *query_of(struct lws *wsi)
{
	struct dt_sb sb = DT_SB_INIT;
	char frag[2048];

	for (int i = 0; lws_hdr_copy_fragment(wsi, frag, sizeof(frag), WSI_TOKEN_HTTP_URI_ARGS,
					      i) >= 0; i++) {
		char *eq = strchr(frag, '=');

		if (sb.len)
			dt_sb_addc(&sb, '&');
		if (eq)
			*eq = '\0';
		encode(&sb, frag);
		if (eq) {
			dt_sb_addc(&sb, '=');
			encode(&sb, eq + 1);
		}
	}
	return dt_sb_detach(&sb, NULL);
}

static const char *method_of(struct lws *wsi)
{
	static const struct {
		enum lws_token_indexes tok;
		const char *name;
	} m[] = {
		{WSI_TOKEN_GET_URI, "GET"},
		{WSI_TOKEN_POST_URI, "POST"},
		{WSI_TOKEN_HEAD_URI, "HEAD"},
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(*m); i++)
		if (lws_hdr_total_length(wsi, m[i].tok) > 0)
			return m[i].name;
	return "OTHER";
}

/* ---- net thread: the server ----------------------------------------------- */

static void pend_free(struct pend *p)
{
	struct pss *pss = p->wsi ? lws_wsi_user(p->wsi) : NULL;

	if (pss && pss->p == p)
		pss->p = NULL;
	DT_LIST_DEL(p->s->pends, p);
	free(p->ctype);
	free(p->body);
	free(p);
}

static void end_later(struct dt_listen_engine *eng);

/* Closes the connection soon.  Not by returning -1 from the callback:
 * Debian's lws 4.1.6 under libuv then closes the wsi twice (doc/net.md). */
static void hang_up(struct lws *wsi)
{
	lws_set_timeout(wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
}

static int write_answer(struct lws *wsi, struct pend *p)
{
	struct server *s = p->s;
	unsigned char head[LWS_PRE + 1024], *start = &head[LWS_PRE], *q = start;
	unsigned char *end = &head[sizeof(head) - 1];
	size_t n = strlen(p->body);
	unsigned char *body = dt_xmalloc(LWS_PRE + n + 1);
	int rc = -1;

	memcpy(body + LWS_PRE, p->body, n);
	if (!lws_add_http_common_headers(wsi, (unsigned)p->status, p->ctype, n, &q, end) &&
	    !lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
					  (const unsigned char *)"no-store", 8, &q, end) &&
	    !lws_finalize_write_http_header(wsi, start, &q, end) &&
	    lws_write(wsi, body + LWS_PRE, n, LWS_WRITE_HTTP_FINAL) == (int)n)
		rc = 0;
	free(body);
	pend_free(p);
	if (s->closing)
		end_later(s->eng);
	if (rc || lws_http_transaction_completed(wsi))
		hang_up(wsi);
	return 0;
}

static int http_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		   size_t len)
{
	struct lws_context *ctx = lws_get_context(wsi);
	struct server *s = ctx ? lws_context_user(ctx) : NULL;
	struct pss *pss = user;
	struct pend *p;
	struct lev *e;

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		if (!s || s->ended || !pss) {
			hang_up(wsi);
			return 0;
		}
		p = dt_xcalloc(1, sizeof(*p));
		p->s = s;
		p->wsi = wsi;
		p->req = ++s->next_req;
		DT_LIST_ADD(s->pends, p);
		pss->p = p;
		e = dt_xcalloc(1, sizeof(*e));
		e->ev.req = p->req;
		e->method = dt_xstrdup(method_of(wsi));
		e->path = dt_xstrndup(in ? in : "", in ? strnlen(in, len) : 0);
		e->query = query_of(wsi);
		emit(s, DT_LISTEN_REQUEST, e);
		return 0; /* the answer comes from the main thread */
	case LWS_CALLBACK_HTTP_WRITEABLE:
		if (!pss || !(p = pss->p) || !p->status)
			return 0;
		return write_answer(wsi, p);
	case LWS_CALLBACK_CLOSED_HTTP:
		if (pss && pss->p)
			pend_free(pss->p);
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

static struct server *find(struct dt_listen_engine *eng, dt_net_id id)
{
	for (struct server *s = eng->servers; s; s = s->next)
		if (s->id == id)
			return s;
	return NULL;
}

static void server_free(struct server *s)
{
	while (s->pends)
		pend_free(s->pends);
	free(s);
}

/* Lets go of the context; the server is freed once lws is done with it. */
static void server_end(struct server *s)
{
	struct dt_listen_engine *eng = s->eng;

	DT_LIST_DEL(eng->servers, s);
	for (struct pend *p = s->pends; p; p = p->next)
		p->wsi = NULL; /* lws closes them with the context */
	if (!s->ctx) {
		server_free(s);
		return;
	}
	DT_LIST_ADD(eng->dying, s);
	lws_context_destroy(s->ctx);
}

static void reap(struct dt_listen_engine *eng)
{
	struct server *s, *next;

	for (s = eng->dying; s; s = next) {
		next = s->next;
		if (s->ctx)
			continue;
		DT_LIST_DEL(eng->dying, s);
		server_free(s);
	}
}

/*
 * Whether the address and port can be bound, as lws will bind them.  lws
 * 4.1.6 does not say when it cannot: it keeps retrying from its
 * housekeeping timer (and with FAIL_UPON_UNABLE_TO_BIND, on a foreign loop,
 * the half-made context it destroys crashes later), so ask first.  0 or
 * -errno.
 */
static int can_bind(const char *address, int port)
{
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
	struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int v6 = inet_pton(AF_INET, address, &a4.sin_addr) != 1;
	int fd, one = 1, err = 0;

	if (v6 && inet_pton(AF_INET6, address, &a6.sin6_addr) != 1)
		return -EINVAL; /* lws would take an interface name; we do not */
	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)); /* as lws does */
	if (v6 ? bind(fd, (struct sockaddr *)&a6, sizeof(a6))
	       : bind(fd, (struct sockaddr *)&a4, sizeof(a4)))
		err = -errno;
	close(fd);
	return err;
}

static void do_open(struct dt_listen_engine *eng, struct lreq *r)
{
	struct server *s = dt_xcalloc(1, sizeof(*s));
	struct lws_context_creation_info info;
	void *loops[1] = {dt_net__loop(eng->net)};
	struct lws_vhost *vh = NULL;
	struct lev *e = dt_xcalloc(1, sizeof(*e));
	int port, err;

	s->eng = eng;
	s->id = r->id;
	s->cb = r->cb;
	s->ud = r->ud;
	s->protocols[0].name = "dt-listen";
	s->protocols[0].callback = http_cb;
	s->protocols[0].per_session_data_size = sizeof(struct pss);
	/* protocols[1] stays zeroed: the end of the list */
	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_LIBUV;
	if (!strchr(r->address, ':'))
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	info.foreign_loops = loops;
	info.port = r->port;
	info.iface = r->address;
	info.protocols = s->protocols;
	info.user = s;
	info.pcontext = &s->ctx;
	info.vhost_name = "dt-listen";
	info.count_threads = 1;
	info.fd_limit_per_thread = 32;
	info.timeout_secs = 30;
	DT_LIST_ADD(eng->servers, s);
	err = can_bind(r->address, r->port);
	if (!err) {
		s->ctx = lws_create_context(&info);
		vh = s->ctx ? lws_get_vhost_by_name(s->ctx, "dt-listen") : NULL;
	}
	port = vh ? lws_get_vhost_listen_port(vh) : -1;
	if (port <= 0) {
		struct dt_sb sb = DT_SB_INIT;

		dt_sb_addf(&sb, "cannot listen on %s:%d%s%s", r->address, r->port,
			   err ? ": " : "", err ? strerror(-err) : "");
		e->error = dt_sb_detach(&sb, NULL);
		emit(s, DT_LISTEN_ERROR, e);
		server_end(s);
		return;
	}
	dt_debug(MOD, "listening on %s:%d", r->address, port);
	e->ev.port = port;
	emit(s, DT_LISTEN_READY, e);
}

static void do_answer(struct dt_listen_engine *eng, struct lreq *r)
{
	struct server *s = find(eng, r->id);
	struct pend *p = s ? s->pends : NULL;

	while (p && p->req != r->req)
		p = p->next;
	if (!p || p->status || !p->wsi)
		return; /* the browser went away meanwhile */
	p->status = r->status;
	p->ctype = r->ctype;
	p->body = r->body;
	r->ctype = r->body = NULL;
	lws_callback_on_writable(p->wsi);
	lws_cancel_service(s->ctx); /* lws looks again only after it serviced a socket */
}

static int answers_waiting(struct server *s)
{
	for (struct pend *p = s->pends; p; p = p->next)
		if (p->status && p->wsi)
			return 1;
	return 0;
}

/* Ends the closing servers whose answers are all written. */
static void end_closing(struct dt_listen_engine *eng)
{
	struct server *s, *next;

	for (s = eng->servers; s; s = next) {
		next = s->next;
		if (!s->closing || answers_waiting(s))
			continue;
		emit(s, DT_LISTEN_CLOSED, dt_xcalloc(1, sizeof(struct lev)));
		server_end(s);
	}
}

static void on_later(uv_timer_t *t)
{
	end_closing(t->data);
}

static void end_later(struct dt_listen_engine *eng)
{
	if (eng->timer_up && !eng->shutting_down)
		uv_timer_start(&eng->later, on_later, 0, 0);
}

static void do_close(struct dt_listen_engine *eng, struct lreq *r)
{
	struct server *s = find(eng, r->id);

	if (!s)
		return;
	s->closing = 1;
	end_closing(eng);
}

struct dt_listen_engine *dt_listen__engine_new(struct dt_net *net)
{
	struct dt_listen_engine *eng = dt_xcalloc(1, sizeof(*eng));

	eng->net = net;
	uv_timer_init(dt_net__loop(net), &eng->later);
	eng->later.data = eng;
	eng->timer_up = 1;
	return eng;
}

void dt_listen__engine_handle(struct dt_listen_engine *eng, struct dt_msg *m)
{
	struct lreq *r = (struct lreq *)m;

	reap(eng);
	if (!eng->shutting_down) {
		if (m->type == DT_NET_REQ_LISTEN_OPEN)
			do_open(eng, r);
		else if (m->type == DT_NET_REQ_LISTEN_ANSWER)
			do_answer(eng, r);
		else
			do_close(eng, r);
	}
	dt_msg_free(m);
}

void dt_listen__engine_shutdown(struct dt_listen_engine *eng)
{
	if (!eng)
		return;
	if (!eng->shutting_down) {
		eng->shutting_down = 1;
		if (eng->timer_up) {
			uv_close((uv_handle_t *)&eng->later, NULL);
			eng->timer_up = 0;
		}
		while (eng->servers)
			server_end(eng->servers);
	} else {
		/* again, after the loop ran: lws finishes a foreign-loop
		 * context's destruction in steps */
		for (struct server *s = eng->dying; s; s = s->next)
			if (s->ctx)
				lws_context_destroy(s->ctx);
	}
	reap(eng);
}

int dt_listen__engine_done(struct dt_listen_engine *eng)
{
	return !eng || (!eng->servers && !eng->dying);
}

void dt_listen__engine_free(struct dt_listen_engine *eng)
{
	if (!eng)
		return;
	while (eng->servers) {
		struct server *s = eng->servers;

		DT_LIST_DEL(eng->servers, s);
		server_free(s);
	}
	while (eng->dying) {
		struct server *s = eng->dying;

		DT_LIST_DEL(eng->dying, s);
		server_free(s);
	}
	free(eng);
}
