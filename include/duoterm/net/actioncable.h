/*
 * ActionCable client (GitLab's /-/cable) on the net thread's WebSocket and
 * the pure codec (actioncable_proto.h).  Main thread only.
 *
 *	struct dt_ac_opts o = DT_AC_OPTS_INIT;
 *	o.url = "wss://gitlab.example.com/-/cable";
 *	o.token = token;                     (Authorization: Bearer)
 *	c = dt_ac_open(net, loop, &o, on_event, ud);
 *	dt_ac_subscribe(c, identifier);     (kept: sent again after every reconnect)
 *
 * - Subprotocol actioncable-v1-json; Origin: the instance (Rails checks it).
 * - Liveness: the server pings every 3 s; with no frame at all for
 *   ping_timeout_ms the connection is taken as dead, dropped and opened
 *   again (with backoff); subscriptions are sent again after each welcome.
 * - A subscription with no confirm or reject within subscribe_timeout_ms
 *   gets DT_AC_EV_SUB_TIMEOUT (Rails answers nothing for an unknown
 *   channel) and is forgotten.
 * - {"type":"disconnect","reconnect":false} (e.g. unauthorized) ends the
 *   client: DT_AC_EV_CLOSED with final set, no reconnect.
 * Frames are matched to subscriptions by the exact identifier string.
 */
#ifndef DUOTERM_NET_ACTIONCABLE_H
#define DUOTERM_NET_ACTIONCABLE_H

#include <cjson/cJSON.h>

#include "duoterm/net/net.h"

struct dt_loop;
struct dt_ac_client;

struct dt_ac_opts {
	const char *url;    /* ws:// or wss://.../-/cable */
	const char *token;  /* Authorization: Bearer; NULL for none */
	const char *origin; /* NULL: from the URL (http[s]://host[:port]) */
	unsigned ping_timeout_ms;      /* 0: 10000 */
	unsigned subscribe_timeout_ms; /* 0: 5000 */
	unsigned reconnect_base_ms;    /* 0: 500 */
	unsigned reconnect_max_ms;     /* 0: 30000 */
};

#define DT_AC_OPTS_INIT {0}

enum dt_ac_event_type {
	DT_AC_EV_CONNECTED,    /* welcome: subscriptions are (re)sent */
	DT_AC_EV_DOWN,         /* the connection dropped; reconnecting */
	DT_AC_EV_CONFIRMED,    /* identifier */
	DT_AC_EV_REJECTED,     /* identifier; forgotten */
	DT_AC_EV_SUB_TIMEOUT,  /* identifier; forgotten */
	DT_AC_EV_MESSAGE,      /* identifier, message */
	DT_AC_EV_CLOSED,       /* the end (reason); final */
};

struct dt_ac_event {
	enum dt_ac_event_type type;
	const char *identifier;
	const cJSON *message;
	const char *reason; /* DOWN, CLOSED: why */
	int final;          /* the client is freed after this callback */
};

typedef void (*dt_ac_cb)(const struct dt_ac_event *ev, void *ud);

struct dt_ac_stats {
	unsigned long connects, welcomes, pings, messages, ping_timeouts;
};

struct dt_ac_client *dt_ac_open(struct dt_net *net, struct dt_loop *loop,
				const struct dt_ac_opts *opts, dt_ac_cb cb, void *ud);
/* 0, or -errno.  The identifier is copied and sent as is. */
int dt_ac_subscribe(struct dt_ac_client *c, const char *identifier);
int dt_ac_unsubscribe(struct dt_ac_client *c, const char *identifier);
/* {"command":"message","identifier":..,"data":"<data as JSON text>"}. */
int dt_ac_perform(struct dt_ac_client *c, const char *identifier, const cJSON *data);
/* 1 while welcomed. */
int dt_ac_connected(const struct dt_ac_client *c);
void dt_ac_get_stats(const struct dt_ac_client *c, struct dt_ac_stats *out);
/* Closes; DT_AC_EV_CLOSED (final) follows, then the client is freed. */
void dt_ac_close(struct dt_ac_client *c);
/* Frees without an event; only after dt_net_stop. */
void dt_ac_free(struct dt_ac_client *c);

#endif
