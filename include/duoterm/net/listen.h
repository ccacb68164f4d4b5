/*
 * A small HTTP server on the net thread, for a browser coming back to us
 * (OAuth's redirect to http://127.0.0.1:PORT/callback).  Main thread API.
 *
 * Each server is a libwebsockets context of its own, bound to one local
 * address, running on the net thread's libuv loop (lws does the HTTP
 * parsing); nothing of it touches the WebSocket client's context.  Every
 * request the browser sends becomes a DT_LISTEN_REQUEST event on the main
 * thread, which answers it with dt_listen_answer(); the connection waits
 * (lws's timeout_secs, 30 s) until then.
 *
 *	dt_listen_open(net, "127.0.0.1", 8080, on_listen, ud, &id);
 *	  READY (port)  then  REQUEST (req, method, path, query) ...
 *	dt_listen_answer(net, id, req, 200, "text/html", html);
 *	dt_listen_close(net, id);          -> CLOSED, the last event
 *
 * ERROR (cannot listen: the reason) is the last event too.  The query is
 * given percent-encoded as a browser sends it (lws decodes the arguments;
 * they are encoded again here so that '&', '=' and '%' inside a value stay
 * unambiguous), without the '?'.
 */
#ifndef DUOTERM_NET_LISTEN_H
#define DUOTERM_NET_LISTEN_H

#include <stdint.h>

#include "duoterm/net/net.h"

/* Requests (main -> net), in net.c's range; the event in the free range. */
#define DT_NET_REQ_LISTEN_OPEN   (DT_MSG_NET + 0x30)
#define DT_NET_REQ_LISTEN_ANSWER (DT_MSG_NET + 0x31)
#define DT_NET_REQ_LISTEN_CLOSE  (DT_MSG_NET + 0x32)
#define DT_NET_EV_LISTEN         (DT_MSG_NET + 0x80)

enum dt_listen_event_type {
	DT_LISTEN_READY,   /* port: the port bound (useful after asking for 0) */
	DT_LISTEN_REQUEST, /* req, method, path, query */
	DT_LISTEN_ERROR,   /* error; final */
	DT_LISTEN_CLOSED,  /* after dt_listen_close(); final */
};

struct dt_listen_event {
	enum dt_listen_event_type type;
	dt_net_id id;
	int port;
	uint64_t req;
	const char *method, *path, *query;
	const char *error;
};

typedef void (*dt_listen_cb)(const struct dt_listen_event *ev, void *ud);

/* 0 and *id, or -errno (-EAGAIN: busy, -EPIPE: stopped, -EINVAL). */
int dt_listen_open(struct dt_net *net, const char *address, int port, dt_listen_cb cb, void *ud,
		   dt_net_id *id);
/* The answer to one request (status, e.g. 200 or 400; body copied). */
int dt_listen_answer(struct dt_net *net, dt_net_id id, uint64_t req, int status,
		     const char *content_type, const char *body);
int dt_listen_close(struct dt_net *net, dt_net_id id);

#ifdef DT_NET_INTERNAL
/* listen.c, driven by net.c (net thread). */
struct dt_listen_engine;
struct dt_listen_engine *dt_listen__engine_new(struct dt_net *net);
void dt_listen__engine_handle(struct dt_listen_engine *eng, struct dt_msg *req);
void dt_listen__engine_shutdown(struct dt_listen_engine *eng);
/* 1 once every server's lws context is gone. */
int dt_listen__engine_done(struct dt_listen_engine *eng);
void dt_listen__engine_free(struct dt_listen_engine *eng);
#endif

#endif
