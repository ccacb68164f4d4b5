/*
 * The main thread's loop: one poll() over the tty, the wake fd the net
 * thread writes, child-process pipes and a signal self-pipe.
 *
 * It never spins: with nothing to do it blocks in poll() with no timeout.
 * Deadlines are one-shot (frame pacing, a status message that expires, a
 * retry); nothing ticks periodically.  All callbacks run on the main thread.
 */
#ifndef DUOTERM_CORE_LOOP_H
#define DUOTERM_CORE_LOOP_H

#include <poll.h>
#include <stdint.h>

struct dt_loop;

typedef void (*dt_fd_cb)(struct dt_loop *loop, int fd, short revents, void *ud);
typedef void (*dt_timer_cb)(struct dt_loop *loop, void *ud);
typedef void (*dt_signal_cb)(struct dt_loop *loop, int signo, void *ud);

#define DT_LOOP_MAX_FDS 64
#define DT_LOOP_MAX_TIMERS 32

struct dt_loop_fd {
	int fd;
	short events;
	dt_fd_cb cb;
	void *ud;
};

struct dt_loop_timer {
	uint64_t id;
	uint64_t due_ms; /* monotonic */
	dt_timer_cb cb;
	void *ud;
};

struct dt_loop {
	struct dt_loop_fd fds[DT_LOOP_MAX_FDS];
	int nr_fds;
	struct dt_loop_timer timers[DT_LOOP_MAX_TIMERS];
	int nr_timers;
	uint64_t next_timer_id;
	int wake_fd;       /* eventfd: dt_loop_wake() from any thread */
	int sig_pipe[2];   /* self-pipe fed by signal handlers */
	dt_signal_cb on_signal;
	void *signal_ud;
	void (*on_wake)(struct dt_loop *loop, void *ud);
	void *wake_ud;
	int quit;
	/* counters for tests and benchmarks */
	unsigned long iterations, wakeups;
};

int dt_loop_init(struct dt_loop *loop);
void dt_loop_release(struct dt_loop *loop);

/* Watches fd for events (POLLIN/POLLOUT); replaces an earlier watch of it. */
int dt_loop_add_fd(struct dt_loop *loop, int fd, short events, dt_fd_cb cb, void *ud);
void dt_loop_del_fd(struct dt_loop *loop, int fd);

/* One-shot timer; returns its id (never 0), or 0 when the table is full. */
uint64_t dt_loop_add_timer(struct dt_loop *loop, uint64_t delay_ms, dt_timer_cb cb, void *ud);
void dt_loop_cancel_timer(struct dt_loop *loop, uint64_t id);

/* Called on the main thread after the wake fd fired (drain queues there). */
void dt_loop_on_wake(struct dt_loop *loop, void (*cb)(struct dt_loop *, void *), void *ud);
/* Async-signal- and thread-safe: makes the loop run on_wake soon. */
void dt_loop_wake(struct dt_loop *loop);
/* Suitable as a dt_queue wake callback (ud is the loop). */
void dt_loop_wake_cb(void *loop);

/* Catches these signals (SIGTERM, SIGHUP, SIGINT, SIGWINCH ...) and reports
 * them on the main thread.  The list ends with 0. */
int dt_loop_catch_signals(struct dt_loop *loop, const int *signals, dt_signal_cb cb, void *ud);

/* Polls once (blocking until something happens, or timeout_ms >= 0) and
 * runs the callbacks.  Returns 0, or -errno. */
int dt_loop_run_once(struct dt_loop *loop, int timeout_ms);
/* Runs until dt_loop_quit(). */
int dt_loop_run(struct dt_loop *loop);
void dt_loop_quit(struct dt_loop *loop);

uint64_t dt_now_ms(void);

#endif
