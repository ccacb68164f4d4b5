/*
 * HTTP transfers on the net thread: curl's multi-socket API driven by libuv
 * (one uv_poll per socket curl names, one uv_timer for curl's timeout), and
 * the request/event messages that carry them to and from the main thread.
 */
#define DT_NET_INTERNAL
#include "duoterm/net/http.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uv.h>

#include "duoterm/core/log.h"
#include "duoterm/core/strbuf.h"

#define MOD "http"

/* ---- messages --------------------------------------------------------- */

struct http_req {
	struct dt_msg msg;
	dt_net_id id;
	dt_http_cb cb;
	void *ud;
	char *method, *url;
	struct curl_slist *headers;
	char *body;
	size_t body_len;
	long connect_ms, idle_ms, total_ms;
	unsigned flags;
};

struct http_ev {
	struct dt_net_event base;
	dt_http_cb cb;
	void *ud;
	struct dt_http_event ev;
	struct dt_http_header *headers;
	char *buf;
};

static void req_destroy(struct dt_msg *msg)
{
	struct http_req *r = (struct http_req *)msg;

	free(r->method);
	free(r->url);
	curl_slist_free_all(r->headers);
	free(r->body);
	free(r);
}

static void ev_destroy(struct dt_msg *msg)
{
	struct http_ev *e = (struct http_ev *)msg;

	free(e->headers);
	free(e->buf);
	free(e);
}

static void ev_dispatch(struct dt_net_event *base)
{
	struct http_ev *e = (struct http_ev *)base;

	e->cb(&e->ev, e->ud);
}

/* ---- main thread ------------------------------------------------------ */

int dt_http_start(struct dt_net *net, const struct dt_http_request *req, dt_http_cb cb, void *ud,
                  dt_net_id *id)
{
	struct http_req *r;
	const char *const *h;
	int err;

	if (!net || !req || !req->url || !*req->url || !cb)
		return -EINVAL;
	r = dt_xcalloc(1, sizeof(*r));
	r->msg.type = DT_NET_REQ_HTTP_START;
	r->msg.destroy = req_destroy;
	r->id = dt_net__next_id(net);
	r->cb = cb;
	r->ud = ud;
	r->method = req->method ? dt_xstrdup(req->method) : NULL;
	r->url = dt_xstrdup(req->url);
	for (h = req->headers; h && *h; h++) {
		struct curl_slist *l = curl_slist_append(r->headers, *h);

		if (!l)
			dt_die_oom();
		r->headers = l;
	}
	if (req->body) {
		r->body = dt_xmalloc(req->body_len + 1);
		memcpy(r->body, req->body, req->body_len);
		r->body[req->body_len] = '\0';
		r->body_len = req->body_len;
	}
	r->connect_ms = req->connect_timeout_ms;
	r->idle_ms = req->idle_timeout_ms;
	r->total_ms = req->total_timeout_ms;
	r->flags = req->flags;

	err = dt_net__request(net, &r->msg);
	if (err) {
		req_destroy(&r->msg);
		return err;
	}
	if (id)
		*id = r->id;
	return 0;
}

int dt_http_cancel(struct dt_net *net, dt_net_id id)
{
	struct http_req *r;
	int err;

	if (!net || !id)
		return -EINVAL;
	r = dt_xcalloc(1, sizeof(*r));
	r->msg.type = DT_NET_REQ_HTTP_CANCEL;
	r->msg.destroy = req_destroy;
	r->id = id;
	err = dt_net__request(net, &r->msg);
	if (err)
		req_destroy(&r->msg);
	return err;
}

const char *dt_http_header(const struct dt_http_event *ev, const char *name)
{
	size_t i;

	for (i = 0; i < ev->n_headers; i++)
		if (!strcasecmp(ev->headers[i].name, name))
			return ev->headers[i].value;
	return NULL;
}

/* ---- net thread ------------------------------------------------------- */

struct sock {
	uv_poll_t poll;
	curl_socket_t fd;
	struct dt_http_engine *eng;
	struct sock *prev, *next;
};

struct xfer {
	struct xfer *prev, *next;
	struct dt_http_engine *eng;
	dt_net_id id;
	dt_http_cb cb;
	void *ud;
	CURL *easy;
	struct curl_slist *headers;
	char *body;
	char errbuf[CURL_ERROR_SIZE];
	struct dt_sb hdrs; /* "name\0value\0"... of the latest response */
	size_t n_hdrs;
	int head_sent, paused;
	uint64_t body_bytes;
	uint64_t idle_ms, last_rx;
};

struct dt_http_engine {
	struct dt_net *net;
	CURLM *multi;
	CURLSH *share;
	uv_timer_t timer; /* curl's timeout */
	uv_timer_t idle;  /* our idle timeouts */
	int timers_up, shutting_down;
	struct xfer *xfers;
	struct sock *socks;
};

static struct http_ev *ev_new(struct xfer *x, enum dt_http_event_type type)
{
	struct http_ev *e = dt_xcalloc(1, sizeof(*e));

	e->base.msg.type = DT_NET_EV_HTTP;
	e->base.msg.destroy = ev_destroy;
	e->base.dispatch = ev_dispatch;
	e->cb = x->cb;
	e->ud = x->ud;
	e->ev.type = type;
	e->ev.id = x->id;
	return e;
}

static int http_version(CURL *easy)
{
	long v = 0;

	curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &v);
	switch (v) {
	case CURL_HTTP_VERSION_1_0:
		return 10;
	case CURL_HTTP_VERSION_1_1:
		return 11;
	case CURL_HTTP_VERSION_2_0:
		return 20;
	case CURL_HTTP_VERSION_3:
		return 30;
	default:
		return 0;
	}
}

static void emit_head(struct xfer *x)
{
	struct http_ev *e = ev_new(x, DT_HTTP_HEAD);
	size_t len, i;
	char *p;

	x->head_sent = 1;
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &e->ev.status);
	e->ev.http_version = http_version(x->easy);
	e->buf = dt_sb_detach(&x->hdrs, &len);
	e->headers = dt_xcalloc(x->n_hdrs ? x->n_hdrs : 1, sizeof(*e->headers));
	for (i = 0, p = e->buf; i < x->n_hdrs; i++) {
		e->headers[i].name = p;
		p += strlen(p) + 1;
		e->headers[i].value = p;
		p += strlen(p) + 1;
	}
	e->ev.headers = e->headers;
	e->ev.n_headers = x->n_hdrs;
	x->n_hdrs = 0;
	dt_net__emit(x->eng->net, &e->base, len);
}

static size_t on_header(char *buf, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * n, end = len;
	char *colon;
	size_t nlen, v;

	x->last_rx = uv_now(dt_net__loop(x->eng->net));
	if (x->head_sent)
		return len; /* trailers */
	if (len >= 5 && !memcmp(buf, "HTTP/", 5)) {
		dt_sb_reset(&x->hdrs); /* a new response: 1xx or a redirect */
		x->n_hdrs = 0;
		return len;
	}
	while (end && (buf[end - 1] == '\r' || buf[end - 1] == '\n'))
		end--;
	if (!end)
		return len;
	if ((buf[0] == ' ' || buf[0] == '\t') && x->n_hdrs) {
		/* obsolete line folding: continue the last value */
		v = strspn(buf, " \t");
		dt_sb_truncate(&x->hdrs, x->hdrs.len - 1);
		dt_sb_addc(&x->hdrs, ' ');
		dt_sb_add(&x->hdrs, buf + v, end - v);
		dt_sb_addc(&x->hdrs, '\0');
		return len;
	}
	colon = memchr(buf, ':', end);
	if (!colon)
		return len;
	nlen = colon - buf;
	while (nlen && (buf[nlen - 1] == ' ' || buf[nlen - 1] == '\t'))
		nlen--;
	v = colon - buf + 1;
	while (v < end && (buf[v] == ' ' || buf[v] == '\t'))
		v++;
	while (end > v && (buf[end - 1] == ' ' || buf[end - 1] == '\t'))
		end--;
	dt_sb_add(&x->hdrs, buf, nlen);
	dt_sb_addc(&x->hdrs, '\0');
	dt_sb_add(&x->hdrs, buf + v, end - v);
	dt_sb_addc(&x->hdrs, '\0');
	x->n_hdrs++;
	return len;
}

static size_t on_write(char *ptr, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	struct dt_net *net = x->eng->net;
	size_t len = size * n;
	struct http_ev *e;

	if (dt_net__stalled(net)) {
		/* curl keeps the data and hands it again after CURLPAUSE_CONT */
		if (!x->paused)
			DT_NET_STAT(net, http_paused, 1);
		x->paused = 1;
		return CURL_WRITEFUNC_PAUSE;
	}
	x->last_rx = uv_now(dt_net__loop(net));
	if (!x->head_sent)
		emit_head(x);
	e = ev_new(x, DT_HTTP_BODY);
	e->buf = dt_xmalloc(len + 1);
	memcpy(e->buf, ptr, len);
	e->buf[len] = '\0';
	e->ev.data = e->buf;
	e->ev.len = len;
	x->body_bytes += len;
	dt_net__emit(net, &e->base, len);
	return len;
}

static int64_t info_us(CURL *easy, CURLINFO what)
{
	curl_off_t v = 0;

	curl_easy_getinfo(easy, what, &v);
	return v;
}

static char *error_text(struct xfer *x, CURLcode res)
{
	struct dt_sb sb = DT_SB_INIT;
	long os_errno = 0;

	dt_sb_adds(&sb, x->errbuf[0] ? x->errbuf : curl_easy_strerror(res));
	while (sb.len && sb.buf[sb.len - 1] == '\n')
		dt_sb_truncate(&sb, sb.len - 1);
	curl_easy_getinfo(x->easy, CURLINFO_OS_ERRNO, &os_errno);
	if (os_errno && !strstr(sb.buf, strerror((int)os_errno)))
		dt_sb_addf(&sb, " (%s)", strerror((int)os_errno));
	return dt_sb_detach(&sb, NULL);
}

static void arm_idle(struct dt_http_engine *eng);

static void xfer_free(struct xfer *x)
{
	struct dt_http_engine *eng = x->eng;

	if (x->easy) {
		curl_multi_remove_handle(eng->multi, x->easy);
		curl_easy_cleanup(x->easy);
	}
	DT_LIST_DEL(eng->xfers, x);
	DT_NET_STAT(eng->net, http_active, -1);
	curl_slist_free_all(x->headers);
	free(x->body);
	dt_sb_release(&x->hdrs);
	free(x);
	if (!eng->shutting_down)
		arm_idle(eng); /* no stale deadline left to wake us */
}

/* Ends a transfer with its DONE event; `error` overrides curl's message. */
static void finish(struct xfer *x, CURLcode res, const char *error, int cancelled)
{
	struct dt_net *net = x->eng->net;
	struct http_ev *e;
	long status = 0, connects = 0, hsize = 0;
	curl_off_t up = 0;

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	if (!x->head_sent && status > 0 && !cancelled)
		emit_head(x);
	e = ev_new(x, DT_HTTP_DONE);
	e->ev.status = status;
	e->ev.http_version = http_version(x->easy);
	e->ev.result = res;
	e->ev.cancelled = cancelled;
	if (error)
		e->buf = dt_xstrdup(error);
	else
		e->buf = res == CURLE_OK ? dt_xstrdup("") : error_text(x, res);
	e->ev.error = e->buf;
	e->ev.body_bytes = x->body_bytes;
	curl_easy_getinfo(x->easy, CURLINFO_SIZE_UPLOAD_T, &up);
	e->ev.bytes_up = up;
	curl_easy_getinfo(x->easy, CURLINFO_HEADER_SIZE, &hsize);
	e->ev.header_bytes = hsize;
	curl_easy_getinfo(x->easy, CURLINFO_NUM_CONNECTS, &connects);
	e->ev.connects = connects;
	e->ev.t_dns_us = info_us(x->easy, CURLINFO_NAMELOOKUP_TIME_T);
	e->ev.t_connect_us = info_us(x->easy, CURLINFO_CONNECT_TIME_T);
	e->ev.t_tls_us = info_us(x->easy, CURLINFO_APPCONNECT_TIME_T);
	e->ev.t_first_byte_us = info_us(x->easy, CURLINFO_STARTTRANSFER_TIME_T);
	e->ev.t_total_us = info_us(x->easy, CURLINFO_TOTAL_TIME_T);
	if (res != CURLE_OK)
		dt_debug(MOD, "#%llu failed: %s", (unsigned long long)x->id, e->buf);
	xfer_free(x);
	dt_net__emit(net, &e->base, 0);
}

static void check_done(struct dt_http_engine *eng)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(eng->multi, &left))) {
		struct xfer *x = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		if (x)
			finish(x, m->data.result, NULL, 0);
	}
}

/* ---- idle timeouts: one timer for all transfers ------------------------ */

static void on_idle(uv_timer_t *t);

static void arm_idle(struct dt_http_engine *eng)
{
	uint64_t now = uv_now(dt_net__loop(eng->net)), next = UINT64_MAX;
	struct xfer *x;

	for (x = eng->xfers; x; x = x->next)
		if (x->idle_ms && !x->paused && x->last_rx + x->idle_ms < next)
			next = x->last_rx + x->idle_ms;
	if (next == UINT64_MAX)
		uv_timer_stop(&eng->idle);
	else
		uv_timer_start(&eng->idle, on_idle, next > now ? next - now : 0, 0);
}

static void on_idle(uv_timer_t *t)
{
	struct dt_http_engine *eng = t->data;
	uint64_t now = uv_now(dt_net__loop(eng->net));
	struct xfer *x, *next;

	for (x = eng->xfers; x; x = next) {
		char msg[96];

		next = x->next;
		if (!x->idle_ms || x->paused || now - x->last_rx < x->idle_ms)
			continue;
		snprintf(msg, sizeof(msg), "Idle timeout: no data received for %llu ms",
		         (unsigned long long)x->idle_ms);
		finish(x, CURLE_OPERATION_TIMEDOUT, msg, 0);
	}
	arm_idle(eng);
}

/* ---- curl <-> libuv ----------------------------------------------------- */

static void on_poll(uv_poll_t *h, int status, int events)
{
	struct sock *s = h->data;
	struct dt_http_engine *eng = s->eng;
	int flags = 0, running;

	if (status < 0)
		flags = CURL_CSELECT_ERR;
	if (events & UV_READABLE)
		flags |= CURL_CSELECT_IN;
	if (events & UV_WRITABLE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(eng->multi, s->fd, flags, &running);
	check_done(eng);
}

static void sock_closed(uv_handle_t *h)
{
	free(h->data);
}

static void sock_close(struct dt_http_engine *eng, struct sock *s)
{
	DT_LIST_DEL(eng->socks, s);
	uv_poll_stop(&s->poll);
	uv_close((uv_handle_t *)&s->poll, sock_closed);
}

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct dt_http_engine *eng = userp;
	struct sock *s = socketp;
	int events = 0;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (s) {
			if (!eng->shutting_down)
				curl_multi_assign(eng->multi, fd, NULL);
			sock_close(eng, s);
		}
		return 0;
	}
	if (!s) {
		s = dt_xcalloc(1, sizeof(*s));
		s->fd = fd;
		s->eng = eng;
		if (uv_poll_init_socket(dt_net__loop(eng->net), &s->poll, fd)) {
			free(s);
			return -1;
		}
		s->poll.data = s;
		DT_LIST_ADD(eng->socks, s);
		curl_multi_assign(eng->multi, fd, s);
	}
	if (what & CURL_POLL_IN)
		events |= UV_READABLE;
	if (what & CURL_POLL_OUT)
		events |= UV_WRITABLE;
	uv_poll_start(&s->poll, events, on_poll);
	return 0;
}

static void on_timeout(uv_timer_t *t)
{
	struct dt_http_engine *eng = t->data;
	int running;

	curl_multi_socket_action(eng->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(eng);
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct dt_http_engine *eng = userp;

	(void)multi;
	if (eng->shutting_down)
		return 0;
	if (timeout_ms < 0)
		uv_timer_stop(&eng->timer);
	else
		uv_timer_start(&eng->timer, on_timeout, (uint64_t)timeout_ms, 0);
	return 0;
}

/* ---- starting a transfer ---------------------------------------------- */

static int has_header(const struct curl_slist *l, const char *name)
{
	size_t n = strlen(name);

	for (; l; l = l->next)
		if (!strncasecmp(l->data, name, n) && (l->data[n] == ':' || l->data[n] == ';'))
			return 1;
	return 0;
}

static void set_method(CURL *e, const char *body, struct http_req *r)
{
	const char *m = r->method ? r->method : body ? "POST" : "GET";

	if (body) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
		if (strcmp(m, "POST"))
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m);
	} else if (!strcmp(m, "GET")) {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	} else if (!strcmp(m, "HEAD")) {
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	} else if (!strcmp(m, "POST")) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
	} else {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m);
	}
}

static void set_transport(struct dt_http_engine *eng, CURL *e, struct http_req *r)
{
	const struct dt_net_conf *c = dt_net__conf(eng->net);
	int tls = !strncasecmp(r->url, "https://", 8);
	const char *proxy = tls ? c->https_proxy : c->http_proxy;
	long connect_ms = r->connect_ms > 0 ? r->connect_ms : (long)c->connect_timeout_ms;

	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
	                 r->flags & DT_HTTP_HTTP1 ? (long)CURL_HTTP_VERSION_1_1
	                                          : (long)CURL_HTTP_VERSION_2TLS);
	/* Over TLS, wait for the first connection's ALPN answer so that
	 * transfers can share one HTTP/2 connection; over plain HTTP there
	 * is no multiplexing to wait for, and waiting costs a round trip. */
	curl_easy_setopt(e, CURLOPT_PIPEWAIT, tls && !(r->flags & DT_HTTP_HTTP1) ? 1L : 0L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	if (r->total_ms > 0)
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, r->total_ms);
	if (!(r->flags & DT_HTTP_NO_DECOMPRESS))
		curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	if (r->flags & DT_HTTP_FOLLOW_REDIRECTS) {
		curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
		curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	}
	curl_easy_setopt(e, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(e, CURLOPT_SHARE, eng->share);
	/* Set explicitly so curl and lws agree: libcurl itself ignores
	 * SSL_CERT_FILE and would read the proxy variables on its own. */
	if (c->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_file);
	if (c->ca_dir)
		curl_easy_setopt(e, CURLOPT_CAPATH, c->ca_dir);
	if (c->insecure || (r->flags & DT_HTTP_INSECURE)) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	curl_easy_setopt(e, CURLOPT_PROXY, proxy ? proxy : "");
	curl_easy_setopt(e, CURLOPT_NOPROXY, c->no_proxy ? c->no_proxy : "");
}

static void start(struct dt_http_engine *eng, struct http_req *r)
{
	struct xfer *x = dt_xcalloc(1, sizeof(*x));
	const struct dt_net_conf *c = dt_net__conf(eng->net);
	CURL *e;

	x->eng = eng;
	x->id = r->id;
	x->cb = r->cb;
	x->ud = r->ud;
	x->headers = r->headers;
	r->headers = NULL;
	x->body = r->body; /* ours now; set_method() points curl at it */
	r->body = NULL;
	x->idle_ms = r->idle_ms < 0 ? 0 : r->idle_ms ? (uint64_t)r->idle_ms : c->idle_timeout_ms;
	x->last_rx = uv_now(dt_net__loop(eng->net));
	DT_LIST_ADD(eng->xfers, x);
	DT_NET_STAT(eng->net, http_active, 1);

	x->easy = e = curl_easy_init();
	if (!e) {
		finish(x, CURLE_OUT_OF_MEMORY, "cannot create a curl handle", 0);
		return;
	}
	curl_easy_setopt(e, CURLOPT_URL, r->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	set_method(e, x->body, r);
	/* No "Expect: 100-continue" wait unless the caller wants one. */
	if (x->body && !has_header(x->headers, "Expect")) {
		struct curl_slist *l = curl_slist_append(x->headers, "Expect:");

		if (!l)
			dt_die_oom();
		x->headers = l;
	}
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
	set_transport(eng, e, r);

	if (curl_multi_add_handle(eng->multi, e) != CURLM_OK) {
		finish(x, CURLE_FAILED_INIT, "cannot add the transfer", 0);
		return;
	}
	if (x->idle_ms)
		arm_idle(eng);
}

static void cancel(struct dt_http_engine *eng, dt_net_id id)
{
	struct xfer *x;

	for (x = eng->xfers; x; x = x->next)
		if (x->id == id) {
			finish(x, CURLE_ABORTED_BY_CALLBACK, "cancelled", 1);
			return;
		}
}

void dt_http__engine_handle(struct dt_http_engine *eng, struct dt_msg *msg)
{
	struct http_req *r = (struct http_req *)msg;

	if (msg->type == DT_NET_REQ_HTTP_START)
		start(eng, r);
	else
		cancel(eng, r->id);
	dt_msg_free(msg);
}

void dt_http__engine_resume(struct dt_http_engine *eng)
{
	uint64_t now = uv_now(dt_net__loop(eng->net));
	struct xfer *x;

	for (x = eng->xfers; x && !dt_net__stalled(eng->net); x = x->next) {
		if (!x->paused)
			continue;
		x->paused = 0;
		x->last_rx = now;
		/* may call on_write() at once, which may pause it again */
		curl_easy_pause(x->easy, CURLPAUSE_CONT);
	}
	arm_idle(eng);
}

struct dt_http_engine *dt_http__engine_new(struct dt_net *net)
{
	struct dt_http_engine *eng = dt_xcalloc(1, sizeof(*eng));
	const struct dt_net_conf *c = dt_net__conf(net);

	eng->net = net;
	eng->multi = curl_multi_init();
	eng->share = curl_share_init();
	if (!eng->multi || !eng->share) {
		dt_error(MOD, "cannot create the curl multi handle");
		curl_multi_cleanup(eng->multi);
		curl_share_cleanup(eng->share);
		free(eng);
		return NULL;
	}
	/* One thread uses them all: no lock callbacks needed. */
	curl_share_setopt(eng->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	curl_multi_setopt(eng->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(eng->multi, CURLMOPT_SOCKETDATA, eng);
	curl_multi_setopt(eng->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(eng->multi, CURLMOPT_TIMERDATA, eng);
	curl_multi_setopt(eng->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	curl_multi_setopt(eng->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)c->max_host_connections);
	uv_timer_init(dt_net__loop(net), &eng->timer);
	eng->timer.data = eng;
	uv_timer_init(dt_net__loop(net), &eng->idle);
	eng->idle.data = eng;
	eng->timers_up = 1;
	return eng;
}

void dt_http__engine_shutdown(struct dt_http_engine *eng)
{
	if (eng->shutting_down)
		return;
	eng->shutting_down = 1;
	while (eng->xfers)
		xfer_free(eng->xfers);
	curl_multi_cleanup(eng->multi);
	eng->multi = NULL;
	curl_share_cleanup(eng->share);
	eng->share = NULL;
	while (eng->socks)
		sock_close(eng, eng->socks);
	if (eng->timers_up) {
		uv_close((uv_handle_t *)&eng->timer, NULL);
		uv_close((uv_handle_t *)&eng->idle, NULL);
		eng->timers_up = 0;
	}
}

void dt_http__engine_free(struct dt_http_engine *eng)
{
	free(eng);
}

int dt_http_result_is_tls(int result)
{
	switch (result) {
	case CURLE_PEER_FAILED_VERIFICATION:
		return 2;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
		return 1;
	}
	return 0;
}
