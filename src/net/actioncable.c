#include "duoterm/net/actioncable.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duoterm/core/log.h"
#include "duoterm/core/loop.h"
#include "duoterm/core/strbuf.h"
#include "duoterm/net/actioncable_proto.h"
#include "duoterm/net/ws.h"

struct sub {
	struct sub *next;
	char *identifier;
	int confirmed;
	uint64_t timer;
	struct dt_ac_client *c;
};

struct dt_ac_client {
	struct dt_net *net;
	struct dt_loop *loop;
	dt_ac_cb cb;
	void *ud;
	char *url, *auth, *origin;
	struct dt_ac_opts o;
	dt_net_id ws;
	int welcomed, closing, ended, reopen;
	unsigned failures;
	uint64_t ping_timer, reopen_timer;
	struct sub *subs;
	struct dt_ac_stats stats;
	char end_reason[64]; /* the server's disconnect reason */
};

static void emit(struct dt_ac_client *c, enum dt_ac_event_type t, const char *id,
		 const cJSON *msg, const char *reason, int final)
{
	struct dt_ac_event ev = {t, id, msg, reason, final};

	c->cb(&ev, c->ud);
}

static void cancel(struct dt_ac_client *c, uint64_t *timer)
{
	if (*timer)
		dt_loop_cancel_timer(c->loop, *timer);
	*timer = 0;
}

static void sub_free(struct dt_ac_client *c, struct sub *s)
{
	for (struct sub **p = &c->subs; *p; p = &(*p)->next) {
		if (*p == s) {
			*p = s->next;
			break;
		}
	}
	cancel(c, &s->timer);
	free(s->identifier);
	free(s);
}

static struct sub *sub_find(struct dt_ac_client *c, const char *id)
{
	struct sub *s;

	for (s = c->subs; s && (!id || strcmp(s->identifier, id)); s = s->next)
		;
	return s;
}

static void on_sub_timeout(struct dt_loop *loop, void *ud)
{
	struct sub *s = ud;
	struct dt_ac_client *c = s->c;
	char *id = dt_xstrdup(s->identifier);

	(void)loop;
	s->timer = 0;
	sub_free(c, s);
	emit(c, DT_AC_EV_SUB_TIMEOUT, id, NULL, "no answer to subscribe", 0);
	free(id);
}

static int send_subscribe(struct dt_ac_client *c, struct sub *s)
{
	struct dt_sb sb = DT_SB_INIT;
	int rc;

	dt_ac_build_subscribe(&sb, s->identifier);
	rc = dt_ws_send_text(c->net, c->ws, sb.buf);
	dt_sb_release(&sb);
	cancel(c, &s->timer);
	s->timer = dt_loop_add_timer(c->loop, c->o.subscribe_timeout_ms, on_sub_timeout, s);
	return rc;
}

static void on_ping_timeout(struct dt_loop *loop, void *ud);

static void arm_ping(struct dt_ac_client *c)
{
	cancel(c, &c->ping_timer);
	c->ping_timer = dt_loop_add_timer(c->loop, c->o.ping_timeout_ms, on_ping_timeout, c);
}

static void free_client(struct dt_ac_client *c)
{
	while (c->subs)
		sub_free(c, c->subs);
	cancel(c, &c->ping_timer);
	cancel(c, &c->reopen_timer);
	if (c->auth)
		explicit_bzero(c->auth, strlen(c->auth));
	free(c->auth);
	free(c->url);
	free(c->origin);
	free(c);
}

static void frame(struct dt_ac_client *c, const char *text, size_t len)
{
	struct dt_ac_frame f;
	struct sub *s;

	arm_ping(c);
	if (dt_ac_frame_parse(&f, text, len)) {
		dt_debug("cable", "not an ActionCable frame (%zu bytes)", len);
		return;
	}
	s = f.identifier ? sub_find(c, f.identifier) : NULL;
	switch (f.type) {
	case DT_AC_WELCOME:
		c->welcomed = 1;
		c->failures = 0;
		c->stats.welcomes++;
		for (s = c->subs; s; s = s->next)
			send_subscribe(c, s);
		emit(c, DT_AC_EV_CONNECTED, NULL, NULL, NULL, 0);
		break;
	case DT_AC_PING:
		c->stats.pings++;
		break;
	case DT_AC_DISCONNECT:
		if (!f.reconnect) {
			c->closing = 1;
			c->ended = 1;
			/* the end, not a drop: CLOSED (final) carries the reason */
			snprintf(c->end_reason, sizeof(c->end_reason), "disconnected: %s",
				 f.reason ? f.reason : "no reason given");
			dt_ws_close(c->net, c->ws, 1000, NULL);
		}
		break;
	case DT_AC_CONFIRM:
		if (s) {
			s->confirmed = 1;
			cancel(c, &s->timer);
			emit(c, DT_AC_EV_CONFIRMED, s->identifier, NULL, NULL, 0);
		}
		break;
	case DT_AC_REJECT:
		if (s) {
			sub_free(c, s);
			emit(c, DT_AC_EV_REJECTED, f.identifier, NULL, "rejected", 0);
		}
		break;
	case DT_AC_MESSAGE:
		if (s) {
			c->stats.messages++;
			emit(c, DT_AC_EV_MESSAGE, s->identifier, f.message, NULL, 0);
		}
		break;
	default:
		break;
	}
	dt_ac_frame_release(&f);
}

static void open_ws(struct dt_ac_client *c);

static void on_reopen(struct dt_loop *loop, void *ud)
{
	struct dt_ac_client *c = ud;

	(void)loop;
	c->reopen_timer = 0;
	open_ws(c);
}

static void connection_ended(struct dt_ac_client *c, const char *why)
{
	unsigned long long wait = c->o.reconnect_base_ms;

	c->ws = 0;
	c->welcomed = 0;
	cancel(c, &c->ping_timer);
	for (struct sub *s = c->subs; s; s = s->next) {
		s->confirmed = 0;
		cancel(c, &s->timer);
	}
	if (c->closing) {
		emit(c, DT_AC_EV_CLOSED, NULL, NULL, c->end_reason[0] ? c->end_reason :
			 c->ended ? "closed by the server" : "closed", 1);
		free_client(c);
		return;
	}
	for (unsigned i = 0; i < c->failures && wait < c->o.reconnect_max_ms; i++)
		wait *= 2;
	if (wait > c->o.reconnect_max_ms)
		wait = c->o.reconnect_max_ms;
	wait -= wait * (unsigned)(rand() % 30) / 100;
	c->failures++;
	emit(c, DT_AC_EV_DOWN, NULL, NULL, why, 0);
	c->reopen_timer = dt_loop_add_timer(c->loop, wait, on_reopen, c);
}

static void on_ws(const struct dt_ws_event *ev, void *ud)
{
	struct dt_ac_client *c = ud;

	switch (ev->type) {
	case DT_WS_CONNECTING:
		return;
	case DT_WS_OPEN:
		c->stats.connects++;
		arm_ping(c); /* the welcome must come too */
		return;
	case DT_WS_MESSAGE:
		if (!ev->binary)
			frame(c, ev->data, ev->len);
		return;
	case DT_WS_ERROR:
	case DT_WS_CLOSED:
		if (ev->type == DT_WS_ERROR && ev->http_status >= 400 && ev->http_status < 500 &&
		    ev->http_status != 408 && ev->http_status != 429)
			c->closing = c->ended = 1; /* refused: do not hammer */
		if (ev->final)
			connection_ended(c, ev->type == DT_WS_ERROR ? ev->error : "connection closed");
		return;
	}
}

static void open_ws(struct dt_ac_client *c)
{
	struct dt_ws_opts o = DT_WS_OPTS_INIT;
	struct dt_sb origin = DT_SB_INIT;
	const char *protos[] = {DT_AC_SUBPROTOCOL, NULL};
	const char *headers[3] = {NULL, NULL, NULL};
	size_t n = 0;

	dt_sb_addf(&origin, "Origin: %s", c->origin);
	headers[n++] = origin.buf;
	if (c->auth)
		headers[n++] = c->auth;
	o.url = c->url;
	o.subprotocols = protos;
	o.headers = headers;
	o.reconnect = 0; /* ours: we also reconnect after a ping timeout */
	if (dt_ws_open(c->net, &o, on_ws, c, &c->ws)) {
		c->ws = 0;
		c->reopen_timer = dt_loop_add_timer(c->loop, c->o.reconnect_max_ms, on_reopen, c);
	}
	dt_sb_release(&origin);
}

static void on_ping_timeout(struct dt_loop *loop, void *ud)
{
	struct dt_ac_client *c = ud;

	(void)loop;
	c->ping_timer = 0;
	c->stats.ping_timeouts++;
	dt_warn("cable", "no ping for %u ms: reconnecting", c->o.ping_timeout_ms);
	if (c->ws)
		dt_ws_close(c->net, c->ws, 4001, "ping timeout"); /* CLOSED final reopens */
}

static char *origin_from(const char *url)
{
	struct dt_sb sb = DT_SB_INIT;
	const char *rest = strstr(url, "://");
	size_t n;

	if (!rest)
		return dt_xstrdup(url);
	dt_sb_adds(&sb, !strncmp(url, "wss", 3) ? "https" : "http");
	rest += 3;
	n = strcspn(rest, "/?#");
	dt_sb_addf(&sb, "://%.*s", (int)n, rest);
	return dt_sb_detach(&sb, NULL);
}

struct dt_ac_client *dt_ac_open(struct dt_net *net, struct dt_loop *loop,
				const struct dt_ac_opts *opts, dt_ac_cb cb, void *ud)
{
	struct dt_ac_client *c;
	struct dt_sb sb = DT_SB_INIT;

	if (!opts->url || !cb || !loop)
		return NULL;
	c = dt_xcalloc(1, sizeof(*c));
	c->net = net;
	c->loop = loop;
	c->cb = cb;
	c->ud = ud;
	c->o = *opts;
	c->o.ping_timeout_ms = opts->ping_timeout_ms ? opts->ping_timeout_ms : 10000;
	c->o.subscribe_timeout_ms = opts->subscribe_timeout_ms ? opts->subscribe_timeout_ms : 5000;
	c->o.reconnect_base_ms = opts->reconnect_base_ms ? opts->reconnect_base_ms : 500;
	c->o.reconnect_max_ms = opts->reconnect_max_ms ? opts->reconnect_max_ms : 30000;
	c->url = dt_xstrdup(opts->url);
	c->origin = opts->origin ? dt_xstrdup(opts->origin) : origin_from(opts->url);
	if (opts->token && *opts->token) {
		dt_secret_register(opts->token);
		dt_sb_addf(&sb, "Authorization: Bearer %s", opts->token);
		c->auth = dt_sb_detach(&sb, NULL);
	}
	c->o.url = c->o.token = c->o.origin = NULL;
	open_ws(c);
	return c;
}

int dt_ac_subscribe(struct dt_ac_client *c, const char *identifier)
{
	struct sub *s;

	if (!identifier || sub_find(c, identifier))
		return identifier ? -EEXIST : -EINVAL;
	s = dt_xcalloc(1, sizeof(*s));
	s->identifier = dt_xstrdup(identifier);
	s->c = c;
	s->next = c->subs;
	c->subs = s;
	return c->welcomed ? send_subscribe(c, s) : 0;
}

int dt_ac_unsubscribe(struct dt_ac_client *c, const char *identifier)
{
	struct sub *s = sub_find(c, identifier);
	struct dt_sb sb = DT_SB_INIT;
	int rc = 0;

	if (!s)
		return -ENOENT;
	if (c->welcomed) {
		dt_ac_build_unsubscribe(&sb, identifier);
		rc = dt_ws_send_text(c->net, c->ws, sb.buf);
	}
	sub_free(c, s);
	dt_sb_release(&sb);
	return rc;
}

int dt_ac_perform(struct dt_ac_client *c, const char *identifier, const cJSON *data)
{
	struct dt_sb sb = DT_SB_INIT;
	int rc;

	if (!c->welcomed)
		return -ENOTCONN;
	rc = dt_ac_build_message(&sb, identifier, data);
	if (!rc)
		rc = dt_ws_send_text(c->net, c->ws, sb.buf);
	dt_sb_release(&sb);
	return rc;
}

int dt_ac_connected(const struct dt_ac_client *c)
{
	return c && c->welcomed;
}

void dt_ac_get_stats(const struct dt_ac_client *c, struct dt_ac_stats *out)
{
	*out = c->stats;
}

void dt_ac_close(struct dt_ac_client *c)
{
	c->closing = 1;
	if (c->ws) {
		dt_ws_close(c->net, c->ws, 1000, NULL);
		return;
	}
	cancel(c, &c->reopen_timer);
	emit(c, DT_AC_EV_CLOSED, NULL, NULL, "closed", 1);
	free_client(c);
}

void dt_ac_free(struct dt_ac_client *c)
{
	if (c)
		free_client(c);
}
