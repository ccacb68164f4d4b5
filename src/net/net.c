/*
 * The net thread: one libuv loop carrying curl (http.c) and lws (ws.c),
 * the request queue from the main thread, and the outbox that holds events
 * while the main thread's queue is full.
 */
#define DT_NET_INTERNAL
#include "duoterm/net/net.h"
#include "duoterm/net/listen.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uv.h>

#include "duoterm/core/log.h"
#include "duoterm/core/strbuf.h"

#define MOD               "net"
#define RECHECK_MS        50
#define DEFAULT_WS_BUDGET (4u << 20)
#define N_STATS           (sizeof(struct dt_net_stats) / sizeof(uint64_t))

struct dt_net {
	struct dt_queue *to_main;
	struct dt_queue to_net;
	struct dt_net_conf conf;
	pthread_t thread;

	uv_loop_t loop;
	uv_async_t async;     /* to_net wake, room made, stop */
	uv_timer_t recheck;   /* while stalled: to_main may hold no event of ours */
	uv_prepare_t prepare; /* counts wake-ups */
	int handles_up;

	struct dt_http_engine *http;
	struct dt_ws_engine *ws;
	struct dt_listen_engine *listen; /* listen.c: loopback HTTP servers */

	pthread_mutex_t start_lock;
	pthread_cond_t start_cond;
	int start_state; /* 0 starting, 1 running, -1 failed */

	atomic_uint_fast64_t next_id;
	atomic_int stop_requested;
	atomic_int stalled; /* the outbox is in use; read by dt_net_dispatch() */
	atomic_int room;    /* dt_net_dispatch() saw a stall and woke us */
	int stopping;

	/* Events that did not fit in to_main, oldest first (linked by ->next). */
	struct dt_msg *outbox_head, *outbox_tail;
	size_t outbox_len, outbox_bytes;

	_Atomic uint64_t stats[N_STATS];
};

/* ---- main thread ------------------------------------------------------ */

static char *env_dup(const char *name, const char *alt)
{
	const char *v = getenv(name);

	if ((!v || !*v) && alt)
		v = getenv(alt);
	return v && *v ? dt_xstrdup(v) : NULL;
}

static char *opt_dup(const char *v)
{
	return v && *v ? dt_xstrdup(v) : NULL;
}

static void conf_init(struct dt_net_conf *c, const struct dt_net_opts *o)
{
	c->ca_file = o->ca_file ? opt_dup(o->ca_file) : env_dup("SSL_CERT_FILE", NULL);
	c->ca_dir = o->ca_dir ? opt_dup(o->ca_dir) : env_dup("SSL_CERT_DIR", NULL);
	c->insecure = o->insecure;
	if (o->proxy) {
		c->http_proxy = opt_dup(o->proxy);
		c->https_proxy = opt_dup(o->proxy);
	} else {
		/* curl's own reading: no uppercase HTTP_PROXY (httpoxy). */
		c->http_proxy = env_dup("http_proxy", NULL);
		if (!c->http_proxy)
			c->http_proxy = env_dup("all_proxy", "ALL_PROXY");
		c->https_proxy = env_dup("https_proxy", "HTTPS_PROXY");
		if (!c->https_proxy)
			c->https_proxy = env_dup("all_proxy", "ALL_PROXY");
	}
	c->no_proxy = o->no_proxy ? opt_dup(o->no_proxy) : env_dup("no_proxy", "NO_PROXY");
	c->max_host_connections = o->max_host_connections ? o->max_host_connections : 6;
	c->connect_timeout_ms = o->connect_timeout_ms ? o->connect_timeout_ms : 10000;
	c->idle_timeout_ms = o->idle_timeout_ms ? o->idle_timeout_ms : 60000;
	c->user_agent = dt_xstrdup(o->user_agent ? o->user_agent : "duoterm");
	c->ws_outbox_budget = o->ws_outbox_budget ? o->ws_outbox_budget : DEFAULT_WS_BUDGET;
}

static void conf_release(struct dt_net_conf *c)
{
	free(c->ca_file);
	free(c->ca_dir);
	free(c->http_proxy);
	free(c->https_proxy);
	free(c->no_proxy);
	free(c->user_agent);
}

static void wake_net(void *ud)
{
	struct dt_net *net = ud;

	uv_async_send(&net->async);
}

static void *net_main(void *arg);

struct dt_net *dt_net_start(struct dt_queue *to_main, const struct dt_net_opts *opts)
{
	static const struct dt_net_opts defaults = DT_NET_OPTS_INIT;
	struct dt_net *net;
	sigset_t all, old;
	int err, state;

	if (!to_main)
		return NULL;
	if (!opts)
		opts = &defaults;
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		dt_error(MOD, "curl_global_init failed");
		return NULL;
	}
	net = dt_xcalloc(1, sizeof(*net));
	net->to_main = to_main;
	atomic_init(&net->next_id, 1);
	conf_init(&net->conf, opts);
	if (dt_queue_init(&net->to_net, opts->to_net_cap, wake_net, net) < 0)
		goto fail_queue;
	pthread_mutex_init(&net->start_lock, NULL);
	pthread_cond_init(&net->start_cond, NULL);

	/* Signals are the main thread's business (SIGPIPE included). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&net->thread, NULL, net_main, net);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		dt_error(MOD, "cannot start the net thread: %s", strerror(err));
		goto fail_thread;
	}

	pthread_mutex_lock(&net->start_lock);
	while (!net->start_state)
		pthread_cond_wait(&net->start_cond, &net->start_lock);
	state = net->start_state;
	pthread_mutex_unlock(&net->start_lock);
	if (state > 0)
		return net;
	pthread_join(net->thread, NULL);

fail_thread:
	dt_http__engine_free(net->http);
	dt_ws__engine_free(net->ws);
	dt_listen__engine_free(net->listen);
	pthread_cond_destroy(&net->start_cond);
	pthread_mutex_destroy(&net->start_lock);
	dt_queue_release(&net->to_net);
fail_queue:
	conf_release(&net->conf);
	free(net);
	curl_global_cleanup();
	return NULL;
}

void dt_net_stop(struct dt_net *net)
{
	if (!net)
		return;
	dt_queue_close(&net->to_net);
	atomic_store(&net->stop_requested, 1);
	uv_async_send(&net->async);
	pthread_join(net->thread, NULL);

	dt_http__engine_free(net->http);
	dt_ws__engine_free(net->ws);
	dt_listen__engine_free(net->listen);
	dt_queue_release(&net->to_net);
	pthread_cond_destroy(&net->start_cond);
	pthread_mutex_destroy(&net->start_lock);
	conf_release(&net->conf);
	free(net);
	curl_global_cleanup();
}

dt_net_id dt_net__next_id(struct dt_net *net)
{
	return atomic_fetch_add(&net->next_id, 1);
}

int dt_net__request(struct dt_net *net, struct dt_msg *msg)
{
	return dt_queue_push(&net->to_net, msg);
}

void dt_net_dispatch(struct dt_msg *msg)
{
	struct dt_net_event *ev;
	struct dt_net *net;

	if (!msg)
		return;
	if (!DT_NET_IS_EVENT(msg->type)) {
		dt_warn(MOD, "dispatch: message type %#x is not a net event", msg->type);
		dt_msg_free(msg);
		return;
	}
	ev = (struct dt_net_event *)msg;
	net = ev->net;
	/* Before the callback: it may free what `net` is reached through. */
	if (net && atomic_load(&net->stalled) && !atomic_exchange(&net->room, 1))
		uv_async_send(&net->async);
	if (ev->dispatch)
		ev->dispatch(ev);
	dt_msg_free(msg);
}

void dt_net_get_stats(struct dt_net *net, struct dt_net_stats *out)
{
	uint64_t v[N_STATS];
	size_t i;

	for (i = 0; i < N_STATS; i++)
		v[i] = atomic_load(&net->stats[i]);
	memcpy(out, v, sizeof(*out));
}

/* ---- net thread: configuration and statistics ------------------------- */

struct uv_loop_s *dt_net__loop(struct dt_net *net)
{
	return &net->loop;
}

const struct dt_net_conf *dt_net__conf(struct dt_net *net)
{
	return &net->conf;
}

void dt_net__stat_add(struct dt_net *net, size_t offset, int64_t delta)
{
	atomic_fetch_add(&net->stats[offset / sizeof(uint64_t)], (uint64_t)delta);
}

static void stat_set(struct dt_net *net, size_t offset, uint64_t v)
{
	atomic_store(&net->stats[offset / sizeof(uint64_t)], v);
}

/* Does `host` match an entry of a no_proxy list (names, domain suffixes, "*")? */
static int no_proxy_match(const char *list, const char *host)
{
	size_t hlen = strlen(host);
	const char *p = list;

	while (p && *p) {
		size_t n;
		const char *tok;

		p += strspn(p, ", \t");
		tok = p;
		n = strcspn(p, ", \t");
		p += n;
		if (n == 1 && *tok == '*')
			return 1;
		if (n && *tok == '.') {
			tok++;
			n--;
		}
		if (!n || n > hlen)
			continue;
		if (strncasecmp(host + hlen - n, tok, n))
			continue;
		if (n == hlen || host[hlen - n - 1] == '.')
			return 1;
	}
	return 0;
}

const char *dt_net__proxy_for(const struct dt_net_conf *conf, int tls, const char *host)
{
	const char *proxy = tls ? conf->https_proxy : conf->http_proxy;

	if (!proxy || (host && no_proxy_match(conf->no_proxy, host)))
		return NULL;
	return proxy;
}

/* ---- net thread: the outbox ------------------------------------------- */

static void on_recheck(uv_timer_t *t);

static void outbox_append(struct dt_net *net, struct dt_net_event *ev)
{
	ev->msg.next = NULL;
	if (net->outbox_tail)
		net->outbox_tail->next = &ev->msg;
	else
		net->outbox_head = &ev->msg;
	net->outbox_tail = &ev->msg;
	net->outbox_len++;
	net->outbox_bytes += ev->size;
	stat_set(net, offsetof(struct dt_net_stats, outbox_len), net->outbox_len);
	if (net->outbox_len >
	    atomic_load(&net->stats[offsetof(struct dt_net_stats, outbox_peak) / sizeof(uint64_t)]))
		stat_set(net, offsetof(struct dt_net_stats, outbox_peak), net->outbox_len);
}

/* Moves what fits from the outbox to to_main; 1 if the outbox emptied. */
static int outbox_flush(struct dt_net *net)
{
	while (net->outbox_head) {
		struct dt_msg *m = net->outbox_head, *next = m->next;
		size_t size = ((struct dt_net_event *)m)->size;
		int r;

		/* before the push: the main thread may look as soon as it has it */
		stat_set(net, offsetof(struct dt_net_stats, outbox_len), net->outbox_len - 1);
		r = dt_queue_push(net->to_main, m);
		if (r == -EAGAIN)
			break;
		if (r < 0)
			dt_msg_free(m); /* to_main closed: nobody will read it */
		net->outbox_head = next;
		if (!next)
			net->outbox_tail = NULL;
		net->outbox_len--;
		net->outbox_bytes -= size;
	}
	stat_set(net, offsetof(struct dt_net_stats, outbox_len), net->outbox_len);
	return !net->outbox_head;
}

static void set_stalled(struct dt_net *net)
{
	if (atomic_load(&net->stalled))
		return;
	atomic_store(&net->stalled, 1);
	DT_NET_STAT(net, stalls, 1);
	uv_timer_start(&net->recheck, on_recheck, RECHECK_MS, RECHECK_MS);
}

static void unstall(struct dt_net *net)
{
	atomic_store(&net->stalled, 0);
	uv_timer_stop(&net->recheck);
	dt_http__engine_resume(net->http);
	dt_ws__engine_resume(net->ws);
}

int dt_net__emit(struct dt_net *net, struct dt_net_event *ev, size_t bytes)
{
	ev->net = net;
	ev->size = bytes;
	if (net->stopping) {
		dt_msg_free(&ev->msg);
		return 0;
	}
	if (!net->outbox_head) {
		int r = dt_queue_push(net->to_main, &ev->msg);

		if (!r)
			return 0;
		if (r != -EAGAIN) {
			dt_msg_free(&ev->msg);
			return 0;
		}
	}
	outbox_append(net, ev);
	if (!atomic_load(&net->stalled)) {
		set_stalled(net);
		/* The main thread may have drained between our push and the
		 * flag; it only signals when it sees the flag. */
		if (outbox_flush(net)) {
			atomic_store(&net->stalled, 0);
			uv_timer_stop(&net->recheck);
		}
	}
	return net->outbox_head != NULL;
}

int dt_net__stalled(struct dt_net *net)
{
	return net->outbox_head != NULL;
}

size_t dt_net__outbox_bytes(struct dt_net *net)
{
	return net->outbox_bytes;
}

static void room_made(struct dt_net *net)
{
	if (net->outbox_head && outbox_flush(net))
		unstall(net);
	else if (!net->outbox_head && atomic_load(&net->stalled))
		unstall(net);
}

static void on_recheck(uv_timer_t *t)
{
	room_made(t->data);
}

/* ---- net thread: the loop --------------------------------------------- */

static void shutdown_begin(struct dt_net *net);

static void route(struct dt_net *net, struct dt_msg *m)
{
	switch (m->type) {
	case DT_NET_REQ_HTTP_START:
	case DT_NET_REQ_HTTP_CANCEL:
		dt_http__engine_handle(net->http, m);
		break;
	case DT_NET_REQ_WS_OPEN:
	case DT_NET_REQ_WS_SEND:
	case DT_NET_REQ_WS_CLOSE:
		dt_ws__engine_handle(net->ws, m);
		break;
	case DT_NET_REQ_LISTEN_OPEN:
	case DT_NET_REQ_LISTEN_ANSWER:
	case DT_NET_REQ_LISTEN_CLOSE:
		dt_listen__engine_handle(net->listen, m);
		break;
	default:
		dt_warn(MOD, "unknown request type %#x", m->type);
		dt_msg_free(m);
	}
}

static void on_async(uv_async_t *a)
{
	struct dt_net *net = a->data;
	struct dt_msg *list;

	if (net->stopping)
		return;
	if (atomic_load(&net->stop_requested)) {
		shutdown_begin(net);
		return;
	}
	if (atomic_exchange(&net->room, 0))
		room_made(net);
	list = dt_queue_pop_all(&net->to_net);
	while (list && !net->stopping) {
		struct dt_msg *next = list->next;

		route(net, list);
		list = next;
	}
	dt_msg_free_list(list);
}

static void on_prepare(uv_prepare_t *p)
{
	DT_NET_STAT((struct dt_net *)p->data, loop_iterations, 1);
}

static void outbox_free(struct dt_net *net)
{
	dt_msg_free_list(net->outbox_head);
	net->outbox_head = net->outbox_tail = NULL;
	net->outbox_len = net->outbox_bytes = 0;
}

static void close_own_handles(struct dt_net *net)
{
	if (!net->handles_up)
		return;
	net->handles_up = 0;
	uv_close((uv_handle_t *)&net->async, NULL);
	uv_close((uv_handle_t *)&net->recheck, NULL);
	uv_close((uv_handle_t *)&net->prepare, NULL);
}

static void shutdown_begin(struct dt_net *net)
{
	net->stopping = 1;
	dt_msg_free_list(dt_queue_pop_all(&net->to_net));
	if (net->http)
		dt_http__engine_shutdown(net->http);
	if (net->ws)
		dt_ws__engine_shutdown(net->ws);
	dt_listen__engine_shutdown(net->listen);
	outbox_free(net);
	close_own_handles(net);
}

static void close_any(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h)) {
		dt_warn(MOD, "closing a leftover %s handle", uv_handle_type_name(h->type));
		uv_close(h, NULL);
	}
}

/* Runs the loop until lws has let go of it, then closes it. */
static void loop_finish(struct dt_net *net)
{
	int i;

	uv_run(&net->loop, UV_RUN_DEFAULT);
	for (i = 0; i < 100 && net->ws && !dt_ws__engine_done(net->ws); i++) {
		dt_ws__engine_shutdown(net->ws);
		uv_run(&net->loop, UV_RUN_NOWAIT);
	}
	for (i = 0; i < 100 && !dt_listen__engine_done(net->listen); i++) {
		dt_listen__engine_shutdown(net->listen);
		uv_run(&net->loop, UV_RUN_NOWAIT);
	}
	if (uv_loop_close(&net->loop) == UV_EBUSY) {
		uv_walk(&net->loop, close_any, NULL);
		uv_run(&net->loop, UV_RUN_DEFAULT);
		if (uv_loop_close(&net->loop))
			dt_error(MOD, "the net loop would not close");
	}
}

static int loop_init(struct dt_net *net)
{
	int err = uv_loop_init(&net->loop);

	if (err) {
		dt_error(MOD, "uv_loop_init: %s", uv_strerror(err));
		return -1;
	}
	uv_async_init(&net->loop, &net->async, on_async);
	net->async.data = net;
	uv_timer_init(&net->loop, &net->recheck);
	net->recheck.data = net;
	uv_prepare_init(&net->loop, &net->prepare);
	net->prepare.data = net;
	uv_prepare_start(&net->prepare, on_prepare);
	net->handles_up = 1;

	net->http = dt_http__engine_new(net);
	net->ws = net->http ? dt_ws__engine_new(net) : NULL;
	net->listen = dt_listen__engine_new(net);
	if (net->http && net->ws)
		return 0;
	shutdown_begin(net);
	loop_finish(net);
	return -1;
}

static void *net_main(void *arg)
{
	struct dt_net *net = arg;
	int ok = loop_init(net) == 0;

	pthread_mutex_lock(&net->start_lock);
	net->start_state = ok ? 1 : -1;
	pthread_cond_signal(&net->start_cond);
	pthread_mutex_unlock(&net->start_lock);
	if (!ok)
		return NULL;

	uv_run(&net->loop, UV_RUN_DEFAULT);
	if (!net->stopping)
		shutdown_begin(net); /* the loop ran dry: should not happen */
	loop_finish(net);
	return NULL;
}
