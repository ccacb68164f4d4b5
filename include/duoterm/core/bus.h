/*
 * The message bus between the main thread and the net thread.
 *
 * A message is an owned struct that starts with `struct dt_msg`.  Whoever
 * pushes a message gives it away; whoever pops it owns it and frees it with
 * dt_msg_free().  Layers embed `struct dt_msg` as the first member of their
 * own message structs and give each a `destroy` function.
 *
 * Two queues make a bus: `to_net` (main -> net) and `to_main` (net -> main).
 * Both are bounded:
 *   - the main thread never blocks: dt_queue_push() on a full queue returns
 *     -EAGAIN and the caller reports "busy" to the user;
 *   - the net thread uses dt_queue_push_wait(), which blocks while the main
 *     queue is full.  That is the back-pressure: the net thread stops reading
 *     sockets and TCP pushes back on the server.
 * Because only the net thread ever waits, the two cannot deadlock.
 *
 * Wake-ups: each queue has a wake callback that runs (outside the lock) only
 * when a push makes the queue go from empty to non-empty, so a burst of
 * messages costs the consumer one wake-up.  The main queue's wake writes an
 * eventfd that the main loop polls; the net queue's wake is uv_async_send().
 */
#ifndef DUOTERM_CORE_BUS_H
#define DUOTERM_CORE_BUS_H

#include <pthread.h>
#include <stddef.h>

struct dt_msg {
	struct dt_msg *next;
	unsigned type;                         /* namespaced by layer, see below */
	void (*destroy)(struct dt_msg *msg);   /* frees the whole message */
};

/* Message type ranges, one per layer, so a dispatcher can route by range. */
enum {
	DT_MSG_CORE = 0x0000,
	DT_MSG_NET = 0x0100,
	DT_MSG_GITLAB = 0x0200,
	DT_MSG_PROVIDER = 0x0300,
	DT_MSG_MCP = 0x0400,
	DT_MSG_AGENT = 0x0500,
};

struct dt_queue {
	pthread_mutex_t lock;
	pthread_cond_t not_full;
	struct dt_msg *head, *tail;
	size_t len, cap;
	int closed;
	void (*wake)(void *ud);
	void *wake_ud;
	/* statistics, read under lock by tests and benchmarks */
	unsigned long pushes, wakes, waits;
};

/* cap is the most messages the queue holds; 0 means the default (4096). */
int dt_queue_init(struct dt_queue *q, size_t cap, void (*wake)(void *), void *wake_ud);
/* Frees every message still queued. */
void dt_queue_release(struct dt_queue *q);

/* 0, or -EAGAIN when full, or -EPIPE when closed (the message is then still
 * the caller's). */
int dt_queue_push(struct dt_queue *q, struct dt_msg *msg);
/* Blocks while the queue is full; 0, or -EPIPE once closed. */
int dt_queue_push_wait(struct dt_queue *q, struct dt_msg *msg);
/* Takes every queued message, oldest first, as a list linked by ->next;
 * NULL when empty.  Wakes a producer blocked in push_wait. */
struct dt_msg *dt_queue_pop_all(struct dt_queue *q);
/* Closes the queue: pushes fail with -EPIPE and waiters return. */
void dt_queue_close(struct dt_queue *q);
size_t dt_queue_len(struct dt_queue *q);

void dt_msg_free(struct dt_msg *msg);
/* Frees a list returned by dt_queue_pop_all(). */
void dt_msg_free_list(struct dt_msg *list);

#endif
