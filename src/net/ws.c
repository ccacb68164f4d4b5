/*
 * WebSocket connections on the net thread: libwebsockets on the net
 * thread's libuv loop (a foreign loop to lws), with our own DNS (uv), our
 * own timers (connect timeouts, reconnect backoff) and our own TLS context,
 * shared with nothing but built like curl's.
 *
 * One `struct conn` lives from dt_ws_open() to the final event, across any
 * number of attempts.  Each attempt has at most one lws wsi, which points
 * back at the conn through its opaque user data; when the attempt ends the
 * wsi is detached (opaque pointer cleared), so whatever lws still does with
 * it while it closes never reaches a conn that may be gone.
 */
#define DT_NET_INTERNAL
#include "duoterm/net/ws.h"

#include <errno.h>
#include <libwebsockets.h>
#include <openssl/x509.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uv.h>

#include "duoterm/core/log.h"
#include "duoterm/core/strbuf.h"

#define MOD                 "ws"
#define PROTO_NAME          "dt-ws"
#define FRAGMENT            (16 * 1024)
#define DEFAULT_MAX_MESSAGE (16u << 20)
#define REASON_MAX          123

/* ---- connection state --------------------------------------------------- */

struct frame {
	struct frame *next;
	int binary;
	size_t len, off;
	unsigned char *buf; /* LWS_PRE bytes, then the payload */
};

struct conn {
	struct conn *prev, *next;
	struct dt_ws_engine *eng;
	dt_net_id id;
	dt_ws_cb cb;
	void *ud;

	/* what to connect to (from dt_ws_open) */
	int tls;
	char *host, *host_hdr, *path, *protocols;
	int port;
	char **headers;
	size_t n_headers;
	unsigned connect_timeout_ms;
	size_t max_message;
	int reconnect;
	struct dt_ws_backoff bo;
	unsigned flags;
	unsigned ping_s, hangup_s;
	const lws_retry_bo_t *policy; /* the engine's */

	/* the current attempt */
	struct lws *wsi;
	uv_getaddrinfo_t gai;
	char **addrs; /* resolved addresses, tried in order */
	size_t n_addrs, next_addr;
	int fallback; /* TCP connect failed: try the next address (at retry_at) */
	int resolving, in_connect, attempt_live, opened, timed_out;
	unsigned failures; /* attempts failed in a row */
	uint64_t deadline; /* of the attempt (connect timeout) */
	uint64_t retry_at; /* of a reconnect or of the next address */
	int waiting;       /* a reconnect is scheduled */
	char subprotocol[64];
	unsigned close_code;
	char close_reason[REASON_MAX + 1];
	int by_peer, http_status;
	char *error;

	/* our close */
	int user_close;
	int close_now;  /* the queue is empty: close from our timer */
	int close_sent; /* lws is closing (frame, then the peer's answer) */
	unsigned user_code;
	char user_reason[REASON_MAX + 1];

	/* data */
	struct frame *out_head, *out_tail;
	struct dt_sb rx;
	int rx_active, rx_binary, rx_paused, rx_discard;

	int final_sent;
};

struct vhost {
	struct vhost *next;
	char *proxy; /* NULL: direct */
	int tls;
	struct lws_vhost *vh;
};

/* lws keeps a pointer to a connection's policy for the wsi's whole life,
 * which may outlast the conn: the engine owns them. */
struct policy {
	struct policy *next;
	lws_retry_bo_t bo;
};

struct dt_ws_engine {
	struct dt_net *net;
	struct lws_context *ctx; /* NULLed by lws once destroyed */
	int ctx_made;
	SSL_CTX *ssl; /* made with the first wss:// vhost, see vhost_for() */
	struct vhost *vhosts;
	struct policy *policies;
	struct lws_protocols protocols[2];
	uv_timer_t timer; /* connect timeouts and reconnects */
	int timer_up, shutting_down;
	struct conn *conns;
};

static void addrs_free(struct conn *c)
{
	size_t i;

	for (i = 0; i < c->n_addrs; i++)
		free(c->addrs[i]);
	free(c->addrs);
	c->addrs = NULL;
	c->n_addrs = c->next_addr = 0;
}

static void conn_free(struct conn *c)
{
	size_t i;

	addrs_free(c);
	while (c->out_head) {
		struct frame *f = c->out_head;

		c->out_head = f->next;
		free(f->buf);
		free(f);
	}
	for (i = 0; i < c->n_headers; i++)
		free(c->headers[i]);
	free(c->headers);
	free(c->host);
	free(c->host_hdr);
	free(c->path);
	free(c->protocols);
	free(c->error);
	dt_sb_release(&c->rx);
	free(c);
}

/* ---- messages ----------------------------------------------------------- */

struct ws_req {
	struct dt_msg msg;
	dt_net_id id;
	struct conn *conn;   /* OPEN */
	struct frame *frame; /* SEND */
	unsigned code;       /* CLOSE */
	char reason[REASON_MAX + 1];
};

struct ws_ev {
	struct dt_net_event base;
	dt_ws_cb cb;
	void *ud;
	struct dt_ws_event ev;
	char *data, *text;
};

static void req_destroy(struct dt_msg *msg)
{
	struct ws_req *r = (struct ws_req *)msg;

	if (r->conn)
		conn_free(r->conn);
	if (r->frame) {
		free(r->frame->buf);
		free(r->frame);
	}
	free(r);
}

static void ev_destroy(struct dt_msg *msg)
{
	struct ws_ev *e = (struct ws_ev *)msg;

	free(e->data);
	free(e->text);
	free(e);
}

static void ev_dispatch(struct dt_net_event *base)
{
	struct ws_ev *e = (struct ws_ev *)base;

	e->cb(&e->ev, e->ud);
}

/* ---- main thread -------------------------------------------------------- */

static char *join_protocols(const char *const *list)
{
	struct dt_sb sb = DT_SB_INIT;

	for (; list && *list; list++) {
		if (sb.len)
			dt_sb_adds(&sb, ", ");
		dt_sb_adds(&sb, *list);
	}
	return sb.len ? dt_sb_detach(&sb, NULL) : NULL;
}

static int parse_url(struct conn *c, const char *url)
{
	char *copy = dt_xstrdup(url);
	const char *prot, *ads, *path;
	int port, err = -EINVAL;

	if (lws_parse_uri(copy, &prot, &ads, &port, &path) || !*ads)
		goto done;
	if (!strcasecmp(prot, "wss"))
		c->tls = 1;
	else if (strcasecmp(prot, "ws"))
		goto done;
	c->host = dt_xstrdup(ads);
	c->port = port;
	if (port == (c->tls ? 443 : 80)) {
		c->host_hdr = dt_xstrdup(ads);
	} else {
		struct dt_sb sb = DT_SB_INIT;

		dt_sb_addf(&sb, "%s:%d", ads, port);
		c->host_hdr = dt_sb_detach(&sb, NULL);
	}
	c->path = dt_xmalloc(strlen(path) + 2);
	c->path[0] = '/';
	strcpy(c->path + 1, path);
	err = 0;
done:
	free(copy);
	return err;
}

int dt_ws_open(struct dt_net *net, const struct dt_ws_opts *o, dt_ws_cb cb, void *ud, dt_net_id *id)
{
	struct ws_req *r;
	struct conn *c;
	const char *const *h;
	int err;

	if (!net || !o || !o->url || !cb)
		return -EINVAL;
	c = dt_xcalloc(1, sizeof(*c));
	if (parse_url(c, o->url) < 0) {
		conn_free(c);
		return -EINVAL;
	}
	c->cb = cb;
	c->ud = ud;
	c->protocols = join_protocols(o->subprotocols);
	for (h = o->headers; h && *h; h++) {
		c->headers = dt_xrealloc(c->headers, (c->n_headers + 1) * sizeof(*c->headers));
		c->headers[c->n_headers++] = dt_xstrdup(*h);
	}
	c->connect_timeout_ms = o->connect_timeout_ms;
	c->max_message = o->max_message ? o->max_message : DEFAULT_MAX_MESSAGE;
	c->reconnect = o->reconnect;
	c->bo = o->backoff;
	if (!c->bo.base_ms)
		c->bo.base_ms = 1;
	if (c->bo.max_ms < c->bo.base_ms)
		c->bo.max_ms = c->bo.base_ms;
	if (c->bo.jitter_pct > 100)
		c->bo.jitter_pct = 100;
	c->flags = o->flags;
	if (o->ping_interval_s) {
		c->ping_s = o->ping_interval_s;
		c->hangup_s = o->ping_interval_s + (o->ping_timeout_s ? o->ping_timeout_s : 10);
	}
	c->id = dt_net__next_id(net);

	r = dt_xcalloc(1, sizeof(*r));
	r->msg.type = DT_NET_REQ_WS_OPEN;
	r->msg.destroy = req_destroy;
	r->id = c->id;
	r->conn = c;
	err = dt_net__request(net, &r->msg);
	if (err) {
		req_destroy(&r->msg);
		return err;
	}
	if (id)
		*id = c->id;
	return 0;
}

int dt_ws_send(struct dt_net *net, dt_net_id id, int binary, const void *data, size_t len)
{
	struct ws_req *r;
	struct frame *f;
	int err;

	if (!net || !id || (!data && len))
		return -EINVAL;
	f = dt_xcalloc(1, sizeof(*f));
	f->binary = !!binary;
	f->len = len;
	f->buf = dt_xmalloc(LWS_PRE + len + 1);
	if (len)
		memcpy(f->buf + LWS_PRE, data, len);
	r = dt_xcalloc(1, sizeof(*r));
	r->msg.type = DT_NET_REQ_WS_SEND;
	r->msg.destroy = req_destroy;
	r->id = id;
	r->frame = f;
	err = dt_net__request(net, &r->msg);
	if (err)
		req_destroy(&r->msg);
	return err;
}

int dt_ws_send_text(struct dt_net *net, dt_net_id id, const char *text)
{
	return dt_ws_send(net, id, 0, text, text ? strlen(text) : 0);
}

int dt_ws_close(struct dt_net *net, dt_net_id id, unsigned code, const char *reason)
{
	struct ws_req *r;
	int err;

	if (!net || !id)
		return -EINVAL;
	r = dt_xcalloc(1, sizeof(*r));
	r->msg.type = DT_NET_REQ_WS_CLOSE;
	r->msg.destroy = req_destroy;
	r->id = id;
	r->code = code ? code : LWS_CLOSE_STATUS_NORMAL;
	if (reason)
		snprintf(r->reason, sizeof(r->reason), "%s", reason);
	err = dt_net__request(net, &r->msg);
	if (err)
		req_destroy(&r->msg);
	return err;
}

/* ---- net thread: events ------------------------------------------------- */

static struct ws_ev *ev_new(struct conn *c, enum dt_ws_event_type type)
{
	struct ws_ev *e = dt_xcalloc(1, sizeof(*e));

	e->base.msg.type = DT_NET_EV_WS;
	e->base.msg.destroy = ev_destroy;
	e->base.dispatch = ev_dispatch;
	e->cb = c->cb;
	e->ud = c->ud;
	e->ev.type = type;
	e->ev.id = c->id;
	e->ev.reconnect_in_ms = -1;
	e->ev.subprotocol = e->ev.reason = e->ev.error = "";
	return e;
}

static void emit(struct conn *c, struct ws_ev *e, size_t bytes)
{
	dt_net__emit(c->eng->net, &e->base, bytes);
}

/* ---- net thread: plumbing ----------------------------------------------- */

static uint64_t now_ms(struct dt_ws_engine *eng)
{
	return uv_now(dt_net__loop(eng->net));
}

/* lws only looks at its timers after it serviced something; calls into lws
 * made from our own callbacks are followed by this nudge. */
static void kick(struct dt_ws_engine *eng)
{
	if (eng->ctx && !eng->shutting_down)
		lws_cancel_service(eng->ctx);
}

static void maybe_free(struct conn *c)
{
	if (!c->final_sent || c->resolving || c->in_connect)
		return;
	DT_LIST_DEL(c->eng->conns, c);
	conn_free(c);
}

static void on_timer(uv_timer_t *t);

static void arm_timer(struct dt_ws_engine *eng)
{
	uint64_t next = UINT64_MAX, now = now_ms(eng);
	struct conn *c;

	if (!eng->timer_up)
		return;
	for (c = eng->conns; c; c = c->next) {
		if ((c->waiting || c->fallback) && c->retry_at < next)
			next = c->retry_at;
		if (c->close_now)
			next = now;
		if (c->attempt_live && !c->opened && !c->timed_out && c->deadline < next)
			next = c->deadline;
	}
	if (next == UINT64_MAX)
		uv_timer_stop(&eng->timer);
	else
		uv_timer_start(&eng->timer, on_timer, next > now ? next - now : 0, 0);
}

static void set_error(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_error(struct conn *c, const char *fmt, ...)
{
	struct dt_sb sb = DT_SB_INIT;
	va_list ap;

	if (c->error)
		return; /* the first reason wins */
	va_start(ap, fmt);
	dt_sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	while (sb.len && (sb.buf[sb.len - 1] == '\n' || sb.buf[sb.len - 1] == ' '))
		dt_sb_truncate(&sb, sb.len - 1);
	c->error = dt_sb_detach(&sb, NULL);
}

static unsigned drop_unsent(struct conn *c)
{
	unsigned n = 0;

	while (c->out_head) {
		struct frame *f = c->out_head;

		c->out_head = f->next;
		free(f->buf);
		free(f);
		n++;
	}
	c->out_tail = NULL;
	return n;
}

static int retryable(struct conn *c)
{
	unsigned code = c->close_code;

	if (!c->reconnect || c->user_close || c->eng->shutting_down)
		return 0;
	if (c->opened)
		return !(code == 1000 || code == 1002 || code == 1003 || code == 1007 ||
		         code == 1008 || code == 1009 || code == 1010 ||
		         (code >= 4000 && code <= 4999));
	if (c->http_status >= 300 && c->http_status < 500 && c->http_status != 408 &&
	    c->http_status != 429)
		return 0;
	return !c->bo.max_attempts || c->failures < c->bo.max_attempts;
}

static unsigned backoff_ms(struct conn *c)
{
	unsigned n = c->failures ? c->failures - 1 : 0;
	uint64_t d = (uint64_t)c->bo.base_ms << (n > 30 ? 30 : n);
	uint32_t r = 0;

	if (d > c->bo.max_ms)
		d = c->bo.max_ms;
	if (c->bo.jitter_pct) {
		uint64_t span = d * c->bo.jitter_pct / 100;

		RAND_bytes((unsigned char *)&r, sizeof(r));
		d -= span ? r % (span + 1) : 0;
	}
	return d ? (unsigned)d : 1;
}

/* Lets go of the attempt's wsi: lws finishes closing it on its own. */
static void detach(struct conn *c)
{
	if (c->wsi)
		lws_set_opaque_user_data(c->wsi, NULL);
	c->wsi = NULL;
}

/* The attempt is over: tell the caller, and reconnect or finish. */
static void attempt_end(struct conn *c)
{
	struct dt_ws_engine *eng = c->eng;
	struct ws_ev *e;
	size_t bytes = 0;

	if (!c->attempt_live)
		return;
	c->attempt_live = 0;
	c->fallback = 0;
	detach(c);
	c->rx_active = c->rx_paused = c->rx_discard = 0;
	dt_sb_release(&c->rx);
	if (c->opened || c->user_close) {
		e = ev_new(c, DT_WS_CLOSED);
		if (c->user_close && !c->by_peer) {
			c->close_code = c->user_code;
			snprintf(c->close_reason, sizeof(c->close_reason), "%s", c->user_reason);
		}
		if (c->opened)
			DT_NET_STAT(eng->net, ws_open, -1);
		e->ev.code = c->close_code ? c->close_code : 1006;
		e->text = dt_xstrdup(c->close_reason);
		e->ev.reason = e->text;
		e->ev.by_peer = c->by_peer || !c->user_close;
		e->ev.unsent = c->opened || c->user_close ? drop_unsent(c) : 0;
		if (c->opened)
			c->failures = 0;
		bytes = strlen(e->text);
	} else {
		c->failures++;
		e = ev_new(c, DT_WS_ERROR);
		e->ev.attempt = c->failures;
		e->ev.http_status = c->http_status;
		e->text = dt_xstrdup(c->error ? c->error : "connection failed");
		e->ev.error = e->text;
		bytes = strlen(e->text);
	}
	if (retryable(c)) {
		unsigned delay = backoff_ms(c);

		c->waiting = 1;
		c->retry_at = now_ms(eng) + delay;
		e->ev.reconnect_in_ms = delay;
	} else {
		e->ev.final = 1;
		c->final_sent = 1;
		drop_unsent(c);
	}
	dt_debug(MOD, "#%llu attempt over: %s %u %s%s", (unsigned long long)c->id,
	         e->ev.type == DT_WS_CLOSED ? "closed" : "error",
	         e->ev.type == DT_WS_CLOSED ? e->ev.code : (unsigned)e->ev.http_status,
	         e->ev.type == DT_WS_CLOSED ? e->ev.reason : e->ev.error,
	         e->ev.final ? " (final)" : "");
	emit(c, e, bytes);
	arm_timer(eng);
	maybe_free(c);
}

static void attempt_fail(struct conn *c, const char *error)
{
	set_error(c, "%s", error);
	attempt_end(c);
}

/* ---- net thread: vhosts and TLS ----------------------------------------- */

static SSL_CTX *make_ssl(const struct dt_net_conf *conf);

/* One vhost per proxy and per plain/TLS. Only a TLS vhost gets a client
 * SSL_CTX: loading the CA bundle into an X509_STORE costs ~1 MB of heap and
 * libcrypto pages, which a session that never opens wss:// (the demo, a
 * plain-http instance) should not pay. Without a provided context and
 * without LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT lws makes none itself. */
static struct lws_vhost *vhost_for(struct dt_ws_engine *eng, const char *proxy, int tls)
{
	struct lws_context_creation_info info;
	struct vhost *v;

	for (v = eng->vhosts; v; v = v->next)
		if (v->tls == tls &&
		    ((!proxy && !v->proxy) || (proxy && v->proxy && !strcmp(proxy, v->proxy))))
			return v->vh;
	if (tls && !eng->ssl && !(eng->ssl = make_ssl(dt_net__conf(eng->net)))) {
		dt_error(MOD, "cannot create a TLS context");
		return NULL;
	}
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = eng->protocols;
	if (tls) {
		info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.provided_client_ssl_ctx = eng->ssl;
	}
	info.vhost_name = proxy ? (tls ? "proxy-tls" : "proxy") : (tls ? "direct-tls" : "direct");
	/* NULL would make lws read $http_proxy itself, for every scheme and
	 * without no_proxy; "" leaves it without a proxy. */
	info.http_proxy_address = proxy ? proxy : "";
	if (proxy)
		info.http_proxy_port = 1080; /* curl's default when none is given */
	v = dt_xcalloc(1, sizeof(*v));
	v->proxy = proxy ? dt_xstrdup(proxy) : NULL;
	v->tls = tls;
	v->vh = lws_create_vhost(eng->ctx, &info);
	if (!v->vh) {
		dt_error(MOD, "cannot create an lws vhost");
		free(v->proxy);
		free(v);
		return NULL;
	}
	v->next = eng->vhosts;
	eng->vhosts = v;
	return v->vh;
}

static SSL_CTX *make_ssl(const struct dt_net_conf *conf)
{
	SSL_CTX *ssl = SSL_CTX_new(TLS_client_method());

	if (!ssl)
		return NULL;
	SSL_CTX_set_min_proto_version(ssl, TLS1_2_VERSION);
	/* The same trust as curl's: the bundle given replaces the system's. */
	if (conf->ca_file) {
		if (!SSL_CTX_load_verify_locations(ssl, conf->ca_file, NULL))
			dt_warn(MOD, "cannot load CA bundle %s", conf->ca_file);
	} else {
		SSL_CTX_set_default_verify_paths(ssl);
	}
	if (conf->ca_dir && !SSL_CTX_load_verify_locations(ssl, NULL, conf->ca_dir))
		dt_warn(MOD, "cannot load CA directory %s", conf->ca_dir);
	SSL_CTX_set_verify(ssl, SSL_VERIFY_PEER, NULL);
	return ssl;
}

/* ---- net thread: attempts ----------------------------------------------- */

static int is_numeric(const char *host)
{
	unsigned char buf[16];

	return uv_inet_pton(AF_INET, host, buf) == 0 || uv_inet_pton(AF_INET6, host, buf) == 0;
}

static const lws_retry_bo_t *policy_for(struct dt_ws_engine *eng, unsigned ping, unsigned hangup)
{
	struct policy *p;

	for (p = eng->policies; p; p = p->next)
		if (p->bo.secs_since_valid_ping == ping && p->bo.secs_since_valid_hangup == hangup)
			return &p->bo;
	p = dt_xcalloc(1, sizeof(*p));
	/* hangup 0 turns lws' validity pings off (its default: every 300 s) */
	p->bo.secs_since_valid_ping = (uint16_t)ping;
	p->bo.secs_since_valid_hangup = (uint16_t)hangup;
	p->next = eng->policies;
	eng->policies = p;
	return &p->bo;
}

static int try_next_address(struct conn *c);

static void connect_to(struct conn *c, struct lws_vhost *vh, const char *address)
{
	struct dt_ws_engine *eng = c->eng;
	struct lws_client_connect_info i;
	struct lws *w;

	if (!vh) { /* lws would fall back to another vhost */
		set_error(c, "%s:%d: %s", address, c->port,
		          c->tls ? "cannot set up TLS" : "unable to connect");
		attempt_end(c);
		return;
	}
	memset(&i, 0, sizeof(i));
	i.context = eng->ctx;
	i.vhost = vh;
	i.address = address;
	i.port = c->port;
	i.path = c->path;
	i.host = c->host_hdr;
	i.protocol = c->protocols;
	i.local_protocol_name = PROTO_NAME;
	i.alpn = "http/1.1"; /* lws 4.1 has no WebSocket over HTTP/2 client */
	i.pwsi = &c->wsi;
	i.opaque_user_data = c;
	i.retry_and_idle_policy = policy_for(eng, c->ping_s, c->hangup_s);
	if (c->tls) {
		i.ssl_connection = LCCSCF_USE_SSL;
		if ((c->flags & DT_WS_INSECURE) || dt_net__conf(eng->net)->insecure)
			i.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_ALLOW_EXPIRED |
			                    LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
			                    LCCSCF_ALLOW_INSECURE;
	}
	c->in_connect = 1;
	c->fallback = 0;
	w = lws_client_connect_via_info(&i);
	c->in_connect = 0;
	if (!w) {
		c->wsi = NULL;
		if (!try_next_address(c)) {
			set_error(c, "%s:%d: unable to connect", address, c->port);
			attempt_end(c);
		}
	}
	kick(eng);
}

/* After a failed TCP connect, the next resolved address, if any. */
static int try_next_address(struct conn *c)
{
	if (c->next_addr >= c->n_addrs || c->timed_out || c->user_close || c->eng->shutting_down)
		return 0;
	free(c->error);
	c->error = NULL;
	connect_to(c, vhost_for(c->eng, NULL, c->tls), c->addrs[c->next_addr++]);
	return 1;
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct conn *c = req->data;
	struct addrinfo *a;

	c->resolving = 0;
	addrs_free(c);
	for (a = status ? NULL : res; a; a = a->ai_next) {
		char ip[64] = "";

		if (a->ai_family == AF_INET6)
			uv_ip6_name((struct sockaddr_in6 *)a->ai_addr, ip, sizeof(ip));
		else if (a->ai_family == AF_INET)
			uv_ip4_name((struct sockaddr_in *)a->ai_addr, ip, sizeof(ip));
		if (!*ip)
			continue;
		c->addrs = dt_xrealloc(c->addrs, (c->n_addrs + 1) * sizeof(*c->addrs));
		c->addrs[c->n_addrs++] = dt_xstrdup(ip);
	}
	uv_freeaddrinfo(res);
	if (c->eng->shutting_down) {
		c->attempt_live = 0;
		c->final_sent = 1;
		maybe_free(c);
		return;
	}
	if (c->timed_out || c->user_close)
		attempt_end(c);
	else if (!c->n_addrs)
		attempt_fail(c, status == UV_EAI_CANCELED ? "cancelled"
		                                          : "could not resolve the host name");
	else if (!try_next_address(c))
		attempt_fail(c, "could not resolve the host name");
}

static void attempt_start(struct conn *c)
{
	struct dt_ws_engine *eng = c->eng;
	const struct dt_net_conf *conf = dt_net__conf(eng->net);
	const char *proxy = dt_net__proxy_for(conf, c->tls, c->host);
	struct addrinfo hints;
	struct ws_ev *e;
	int err;

	c->waiting = 0;
	c->attempt_live = 1;
	c->opened = c->timed_out = c->by_peer = c->close_sent = c->close_now = 0;
	c->http_status = 0;
	c->close_code = 0;
	c->close_reason[0] = '\0';
	free(c->error);
	c->error = NULL;
	c->subprotocol[0] = '\0';
	c->deadline = now_ms(eng) +
	              (c->connect_timeout_ms ? c->connect_timeout_ms : conf->connect_timeout_ms);
	e = ev_new(c, DT_WS_CONNECTING);
	e->ev.attempt = c->failures + 1;
	emit(c, e, 0);
	arm_timer(eng);

	if (proxy) {
		struct lws_vhost *vh;

		if (!strncasecmp(proxy, "https://", 8) || strstr(proxy, "socks")) {
			attempt_fail(c, "only http:// proxies are supported for WebSocket");
			return;
		}
		vh = vhost_for(eng, proxy, c->tls);
		if (!vh) {
			attempt_fail(c, "cannot set up the proxy");
			return;
		}
		connect_to(c, vh, c->host); /* the proxy resolves the name */
		return;
	}
	addrs_free(c);
	if (is_numeric(c->host)) {
		connect_to(c, vhost_for(eng, NULL, c->tls), c->host);
		return;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	c->gai.data = c;
	c->resolving = 1;
	err = uv_getaddrinfo(dt_net__loop(eng->net), &c->gai, on_resolved, c->host, NULL, &hints);
	if (err) {
		c->resolving = 0;
		attempt_fail(c, uv_strerror(err));
	}
}

/* Ends the attempt now (c may be gone after). */
static void kill_attempt(struct conn *c)
{
	struct dt_ws_engine *eng = c->eng;
	struct lws *wsi = c->wsi;

	if (c->resolving) {
		uv_cancel((uv_req_t *)&c->gai); /* on_resolved() ends it */
		return;
	}
	/* our own callback, not lws': end it here, then let lws drop it */
	attempt_end(c);
	if (wsi)
		lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_SYNC);
	kick(eng);
}

/*
 * Closes with our code and reason, from outside lws' service.  Debian's
 * lws 4.1.6 is a _DEBUG build, and there a callback returning -1 under
 * libuv closes the wsi twice ("uv repeat test"): the second close kills the
 * connection before the close frame goes out.  lws_set_timeout(KILL_SYNC)
 * closes it once, politely: lws sends the frame and waits for the answer.
 */
static void start_close(struct conn *c)
{
	struct dt_ws_engine *eng = c->eng;

	c->close_now = 0;
	if (!c->wsi || c->close_sent)
		return;
	c->close_sent = 1;
	lws_close_reason(c->wsi, c->user_code, (unsigned char *)c->user_reason,
	                 strlen(c->user_reason));
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_SYNC); /* c may be gone */
	kick(eng);
}

static void on_timer(uv_timer_t *t)
{
	struct dt_ws_engine *eng = t->data;
	uint64_t now = now_ms(eng);
	struct conn *c, *next;

	for (c = eng->conns; c; c = next) {
		next = c->next;
		if (c->close_now) {
			start_close(c);
		} else if (c->fallback && c->retry_at <= now) {
			c->fallback = 0;
			if (!try_next_address(c))
				attempt_end(c);
		} else if (c->waiting && c->retry_at <= now) {
			attempt_start(c);
		} else if (c->attempt_live && !c->opened && !c->timed_out && c->deadline <= now) {
			c->timed_out = 1;
			set_error(
			    c, "timed out after %llu ms",
			    (unsigned long long)(c->connect_timeout_ms
			                             ? c->connect_timeout_ms
			                             : dt_net__conf(eng->net)->connect_timeout_ms));
			kill_attempt(c);
		}
	}
	arm_timer(eng);
}

/* ---- net thread: the lws protocol callback ------------------------------ */

static int add_headers(struct conn *c, struct lws *wsi, unsigned char **p, unsigned char *end)
{
	size_t i;

	for (i = 0; i < c->n_headers; i++) {
		const char *h = c->headers[i], *colon = strchr(h, ':');
		char name[128];
		const char *v;
		size_t n;

		if (!colon || (size_t)(colon - h) + 2 > sizeof(name))
			continue;
		n = colon - h + 1;
		memcpy(name, h, n);
		name[n] = '\0';
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		if (lws_add_http_header_by_name(wsi, (const unsigned char *)name,
		                                (const unsigned char *)v, (int)strlen(v), p, end)) {
			set_error(c, "request headers too large");
			return -1;
		}
	}
	return 0;
}

static void begin_close(struct conn *c, unsigned code, const char *reason);

static void on_established(struct conn *c, struct lws *wsi)
{
	struct ws_ev *e = ev_new(c, DT_WS_OPEN);

	c->opened = 1;
	c->failures = 0;
	arm_timer(c->eng); /* the connect timeout is over */
	DT_NET_STAT(c->eng->net, ws_open, 1);
	e->text = dt_xstrdup(c->subprotocol);
	e->ev.subprotocol = e->text;
	emit(c, e, 0);
	if (c->out_head || c->user_close)
		lws_callback_on_writable(wsi);
}

/* Our close: after what is queued, a close frame, then the peer's answer. */
static void begin_close(struct conn *c, unsigned code, const char *reason)
{
	c->user_close = 1;
	c->user_code = code;
	snprintf(c->user_reason, sizeof(c->user_reason), "%s", reason);
	if (c->wsi && c->opened)
		lws_callback_on_writable(c->wsi);
}

static int on_receive(struct conn *c, struct lws *wsi, const void *in, size_t len)
{
	struct dt_net *net = c->eng->net;

	if (c->close_sent || c->rx_discard)
		return 0; /* closing: nothing more for the caller */
	if (!c->rx_active) {
		dt_sb_reset(&c->rx);
		c->rx_binary = lws_frame_is_binary(wsi);
		c->rx_active = 1;
	}
	if (c->rx.len + len > c->max_message) {
		dt_sb_release(&c->rx);
		c->rx_discard = 1;
		begin_close(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "message too large");
		return 0;
	}
	dt_sb_add(&c->rx, in, len);
	if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
		struct ws_ev *e = ev_new(c, DT_WS_MESSAGE);

		if (!c->rx.buf)
			dt_sb_grow(&c->rx, 1);
		e->data = dt_sb_detach(&c->rx, &e->ev.len);
		e->ev.data = e->data;
		e->ev.binary = c->rx_binary;
		c->rx_active = 0;
		DT_NET_STAT(net, ws_messages_in, 1);
		emit(c, e, e->ev.len);
	}
	/* Keep reading (pings!) until the outbox holds a budget's worth. */
	if (dt_net__stalled(net) &&
	    dt_net__outbox_bytes(net) > dt_net__conf(net)->ws_outbox_budget && !c->rx_paused) {
		c->rx_paused = 1;
		DT_NET_STAT(net, ws_rx_paused, 1);
		lws_rx_flow_control(wsi, 0);
	}
	return 0;
}

static int on_writeable(struct conn *c, struct lws *wsi)
{
	struct frame *f = c->out_head;
	size_t chunk;
	int flags;

	if (c->close_sent)
		return 0; /* lws is sending it, or waiting for the answer */
	if (!f) {
		if (c->user_close && !c->close_now) {
			c->close_now = 1; /* not from here: see start_close() */
			arm_timer(c->eng);
		}
		return 0;
	}
	chunk = f->len - f->off < FRAGMENT ? f->len - f->off : FRAGMENT;
	flags = f->off ? LWS_WRITE_CONTINUATION : f->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT;
	if (f->off + chunk < f->len)
		flags |= LWS_WRITE_NO_FIN;
	/* lws writes the frame header into the LWS_PRE bytes before the
	 * fragment: for later fragments that is payload already sent. */
	if (lws_write(wsi, f->buf + LWS_PRE + f->off, chunk, flags) < (int)chunk) {
		set_error(c, "write failed");
		return -1;
	}
	f->off += chunk;
	if (f->off == f->len) {
		c->out_head = f->next;
		if (!c->out_head)
			c->out_tail = NULL;
		free(f->buf);
		free(f);
	}
	if (c->out_head || c->user_close)
		lws_callback_on_writable(wsi);
	return 0;
}

static void on_peer_close(struct conn *c, const unsigned char *in, size_t len)
{
	size_t n;

	if (c->close_sent)
		return; /* the answer to ours */
	c->by_peer = 1;
	c->close_code = len >= 2 ? (unsigned)(in[0] << 8 | in[1]) : 1005;
	n = len > 2 ? len - 2 : 0;
	if (n > REASON_MAX)
		n = REASON_MAX;
	memcpy(c->close_reason, in + 2, n);
	c->close_reason[n] = '\0';
}

/* Says why an attempt failed better than lws 4.1's own words do. */
static void on_connection_error(struct conn *c, struct lws *wsi, const char *in, size_t len)
{
	int fd = lws_get_socket_fd(wsi), err = 0;
	socklen_t elen = sizeof(err);
	SSL *ssl = c->tls ? lws_get_ssl(wsi) : NULL;
	long v;

	c->http_status = (int)lws_http_client_http_response(wsi);
	if (c->http_status == 101) {
		c->http_status = 0; /* upgraded, then something was wrong */
	} else if (c->http_status) {
		set_error(c, "upgrade refused: HTTP %d", c->http_status);
		return;
	}
	if (ssl && (v = SSL_get_verify_result(ssl)) != X509_V_OK) {
		set_error(c, "%s:%d: TLS certificate verification failed: %s", c->host, c->port,
		          X509_verify_cert_error_string(v));
		return;
	}
	if (fd >= 0 && !getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) && err) {
		set_error(c, "%s:%d: %s", c->host, c->port, strerror(err));
		return;
	}
	set_error(c, "%s:%d: %.*s", c->host, c->port, in ? (int)len : 9, in ? in : "no reason");
}

static int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                       size_t len)
{
	struct conn *c = lws_get_opaque_user_data(wsi);

	(void)user;
	if (dt_log_enabled(DT_LOG_TRACE))
		dt_log(DT_LOG_TRACE, MOD, "cb %d wsi %p conn #%llu", reason, (void *)wsi,
		       c ? (unsigned long long)c->id : 0ULL);
	if (!c)
		return 0;
	if (c->in_connect && !c->wsi)
		c->wsi = wsi; /* pwsi is only set late in the connect call */
	if (wsi != c->wsi)
		return 0; /* not this attempt's */

	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		return add_headers(c, wsi, (unsigned char **)in, *(unsigned char **)in + len);
	case LWS_CALLBACK_CLIENT_FILTER_PRE_ESTABLISH:
		if (lws_hdr_copy(wsi, c->subprotocol, sizeof(c->subprotocol), WSI_TOKEN_PROTOCOL) <=
		    0)
			c->subprotocol[0] = '\0';
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		on_established(c, wsi);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		return on_receive(c, wsi, in, len);
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return on_writeable(c, wsi);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		on_peer_close(c, in, len);
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		on_connection_error(c, wsi, in, len);
		if (c->in_connect)
			break; /* the connect call's return says it */
		if (!c->opened && !c->http_status && c->next_addr < c->n_addrs && !c->timed_out &&
		    !c->user_close) {
			/* TCP failed: the next address, from our timer */
			detach(c);
			c->fallback = 1;
			c->retry_at = now_ms(c->eng);
			arm_timer(c->eng);
		} else {
			attempt_end(c);
		}
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
	case LWS_CALLBACK_CLOSED_CLIENT_HTTP: /* before the upgrade answer */
	case LWS_CALLBACK_WSI_DESTROY:
		if (c->in_connect)
			c->wsi = NULL;
		else
			attempt_fail(c, "connection closed");
		break;
	default:
		break;
	}
	return 0;
}

/* ---- net thread: requests ----------------------------------------------- */

static struct conn *find(struct dt_ws_engine *eng, dt_net_id id)
{
	struct conn *c;

	for (c = eng->conns; c; c = c->next)
		if (c->id == id && !c->final_sent)
			return c;
	return NULL;
}

static void do_close(struct conn *c, struct ws_req *r)
{
	if (c->user_close)
		return;
	begin_close(c, r->code, r->reason);
	if (c->waiting) {
		/* nothing running: the final event now */
		c->waiting = 0;
		c->attempt_live = 1;
		attempt_end(c);
	} else if (c->opened && c->wsi) {
		kick(c->eng); /* begin_close() asked for WRITEABLE */
	} else if (c->attempt_live) {
		kill_attempt(c);
	}
}

void dt_ws__engine_handle(struct dt_ws_engine *eng, struct dt_msg *msg)
{
	struct ws_req *r = (struct ws_req *)msg;
	struct conn *c;

	switch (msg->type) {
	case DT_NET_REQ_WS_OPEN:
		c = r->conn;
		r->conn = NULL;
		c->eng = eng;
		DT_LIST_ADD(eng->conns, c);
		attempt_start(c);
		break;
	case DT_NET_REQ_WS_SEND:
		c = find(eng, r->id);
		if (!c || c->user_close)
			break;
		r->frame->next = NULL;
		if (c->out_tail)
			c->out_tail->next = r->frame;
		else
			c->out_head = r->frame;
		c->out_tail = r->frame;
		r->frame = NULL;
		if (c->opened && c->wsi) {
			lws_callback_on_writable(c->wsi);
			kick(eng);
		}
		break;
	case DT_NET_REQ_WS_CLOSE:
		c = find(eng, r->id);
		if (c)
			do_close(c, r);
		break;
	}
	dt_msg_free(msg);
}

void dt_ws__engine_resume(struct dt_ws_engine *eng)
{
	struct conn *c;
	int any = 0;

	for (c = eng->conns; c; c = c->next)
		if (c->rx_paused && c->wsi) {
			c->rx_paused = 0;
			lws_rx_flow_control(c->wsi, 1);
			any = 1;
		}
	if (any)
		kick(eng); /* lws drains what it buffered from its idle handler */
}

/* ---- net thread: engine life ------------------------------------------- */

static void log_emit(int level, const char *line)
{
	int n = (int)strlen(line);

	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	if (strstr(line, "http_proxy needs to be ads:port"))
		return; /* our "no proxy" vhost, see vhost_for() */
	dt_log(level == LLL_ERR    ? DT_LOG_WARN
	       : level == LLL_WARN ? DT_LOG_DEBUG
	                           : DT_LOG_TRACE,
	       "lws", "%.*s", n, line);
}

static void log_init(void)
{
	int level = LLL_ERR | LLL_WARN;

	/* lws' own detail (Debian builds it in); not its header or parser
	 * dumps, which would show credentials */
	if (dt_log_enabled(DT_LOG_TRACE))
		level |= LLL_NOTICE | LLL_INFO | LLL_DEBUG;
	lws_set_log_level(level, log_emit);
}

static void housekeeping_cb(lws_sorted_usec_list_t *sul)
{
	(void)sul;
}

/*
 * lws 4.1.6 arms a 30 s housekeeping timer (deferred vhost frees, server
 * listen retries, "did our parent die") that re-arms itself forever: a
 * client-only context needs none of it, and it would wake an idle net thread
 * twice a minute.  It is the only timer lws schedules ~30 s after creating a
 * context; find it through the list our own probe timer joins, and cancel it.
 */
static void cancel_housekeeping(struct dt_ws_engine *eng)
{
	lws_sorted_usec_list_t probe;
	lws_usec_t now = lws_now_usecs();
	lws_dll2_t *d, *next;
	int n = 0;

	memset(&probe, 0, sizeof(probe));
	lws_sul_schedule(eng->ctx, 0, &probe, housekeeping_cb, 3600 * LWS_US_PER_SEC);
	for (d = probe.list.owner ? probe.list.owner->head : NULL; d; d = next) {
		lws_sorted_usec_list_t *sul = (lws_sorted_usec_list_t *)d;

		next = d->next;
		if (sul != &probe && sul->us > now + 25 * LWS_US_PER_SEC &&
		    sul->us < now + 35 * LWS_US_PER_SEC) {
			lws_sul_cancel(sul);
			n++;
		}
	}
	lws_sul_cancel(&probe);
	dt_debug(MOD, "cancelled %d lws housekeeping timer(s)", n);
}

struct dt_ws_engine *dt_ws__engine_new(struct dt_net *net)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct dt_ws_engine *eng = dt_xcalloc(1, sizeof(*eng));
	struct lws_context_creation_info info;
	void *loops[1] = {dt_net__loop(net)};

	pthread_once(&once, log_init);
	eng->net = net;
	eng->protocols[0].name = PROTO_NAME;
	eng->protocols[0].callback = ws_callback;
	eng->protocols[0].rx_buffer_size = FRAGMENT;
	/* protocols[1] stays zeroed: lws 4.1.6 has no LWS_PROTOCOL_LIST_TERM */

	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT |
	               LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	info.foreign_loops = loops;
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = eng->protocols;
	info.user = eng;
	info.pcontext = &eng->ctx;
	info.count_threads = 1;
	info.fd_limit_per_thread = 256;    /* not a table sized for ulimit -n */
	info.pt_serv_buf_size = 16 * 1024; /* room for long Authorization headers */
	info.timeout_secs = 30;

	eng->ctx = lws_create_context(&info);
	if (!eng->ctx) {
		dt_error(MOD, "cannot create the lws context");
		free(eng);
		return NULL;
	}
	eng->ctx_made = 1;
	cancel_housekeeping(eng);
	if (!vhost_for(eng, NULL, 0)) {
		lws_context_destroy(eng->ctx);
		eng->shutting_down = 1;
		return eng; /* net.c tears the loop down, then frees us */
	}
	uv_timer_init(dt_net__loop(net), &eng->timer);
	eng->timer.data = eng;
	eng->timer_up = 1;
	return eng;
}

void dt_ws__engine_shutdown(struct dt_ws_engine *eng)
{
	struct conn *c, *next;

	if (!eng->shutting_down) {
		eng->shutting_down = 1;
		if (eng->timer_up) {
			uv_close((uv_handle_t *)&eng->timer, NULL);
			eng->timer_up = 0;
		}
		for (c = eng->conns; c; c = next) {
			next = c->next;
			c->final_sent = 1; /* no more events: the net is stopping */
			c->attempt_live = 0;
			detach(c); /* lws closes it with the context */
			if (c->resolving)
				uv_cancel((uv_req_t *)&c->gai);
			maybe_free(c);
		}
	}
	if (eng->ctx)
		lws_context_destroy(eng->ctx);
}

int dt_ws__engine_done(struct dt_ws_engine *eng)
{
	return !eng->ctx;
}

void dt_ws__engine_free(struct dt_ws_engine *eng)
{
	if (!eng)
		return;
	while (eng->conns) {
		struct conn *c = eng->conns;

		DT_LIST_DEL(eng->conns, c);
		conn_free(c);
	}
	while (eng->vhosts) {
		struct vhost *v = eng->vhosts;

		eng->vhosts = v->next;
		free(v->proxy);
		free(v);
	}
	while (eng->policies) {
		struct policy *p = eng->policies;

		eng->policies = p->next;
		free(p);
	}
	if (eng->ssl)
		SSL_CTX_free(eng->ssl);
	free(eng);
}
