#include "duoterm/core/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

static int sig_write_fd = -1;

uint64_t dt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int dt_loop_init(struct dt_loop *loop)
{
	*loop = (struct dt_loop){0};
	loop->sig_pipe[0] = loop->sig_pipe[1] = -1;
	loop->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (loop->wake_fd < 0)
		return -errno;
	return 0;
}

void dt_loop_release(struct dt_loop *loop)
{
	if (loop->sig_pipe[1] >= 0 && sig_write_fd == loop->sig_pipe[1])
		sig_write_fd = -1;
	for (int i = 0; i < 2; i++)
		if (loop->sig_pipe[i] >= 0)
			close(loop->sig_pipe[i]);
	if (loop->wake_fd >= 0)
		close(loop->wake_fd);
	loop->wake_fd = loop->sig_pipe[0] = loop->sig_pipe[1] = -1;
	loop->nr_fds = loop->nr_timers = 0;
}

int dt_loop_add_fd(struct dt_loop *loop, int fd, short events, dt_fd_cb cb, void *ud)
{
	for (int i = 0; i < loop->nr_fds; i++) {
		if (loop->fds[i].fd == fd) {
			loop->fds[i] = (struct dt_loop_fd){fd, events, cb, ud};
			return 0;
		}
	}
	if (loop->nr_fds == DT_LOOP_MAX_FDS)
		return -ENOSPC;
	loop->fds[loop->nr_fds++] = (struct dt_loop_fd){fd, events, cb, ud};
	return 0;
}

void dt_loop_del_fd(struct dt_loop *loop, int fd)
{
	for (int i = 0; i < loop->nr_fds; i++) {
		if (loop->fds[i].fd == fd) {
			loop->fds[i] = loop->fds[--loop->nr_fds];
			return;
		}
	}
}

uint64_t dt_loop_add_timer(struct dt_loop *loop, uint64_t delay_ms, dt_timer_cb cb, void *ud)
{
	struct dt_loop_timer *t;

	if (loop->nr_timers == DT_LOOP_MAX_TIMERS)
		return 0;
	t = &loop->timers[loop->nr_timers++];
	t->id = ++loop->next_timer_id;
	t->due_ms = dt_now_ms() + delay_ms;
	t->cb = cb;
	t->ud = ud;
	return t->id;
}

void dt_loop_cancel_timer(struct dt_loop *loop, uint64_t id)
{
	for (int i = 0; i < loop->nr_timers; i++) {
		if (loop->timers[i].id == id) {
			loop->timers[i] = loop->timers[--loop->nr_timers];
			return;
		}
	}
}

void dt_loop_on_wake(struct dt_loop *loop, void (*cb)(struct dt_loop *, void *), void *ud)
{
	loop->on_wake = cb;
	loop->wake_ud = ud;
}

void dt_loop_wake(struct dt_loop *loop)
{
	uint64_t one = 1;

	if (write(loop->wake_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is already non-zero, a wake is pending */
	}
}

void dt_loop_wake_cb(void *loop)
{
	dt_loop_wake(loop);
}

static void on_signal_raw(int signo)
{
	int saved = errno;
	unsigned char b = (unsigned char)signo;

	if (sig_write_fd >= 0 && write(sig_write_fd, &b, 1) < 0) {
		/* pipe full: a signal of this kind is already pending */
	}
	errno = saved;
}

int dt_loop_catch_signals(struct dt_loop *loop, const int *signals, dt_signal_cb cb, void *ud)
{
	struct sigaction sa;

	if (loop->sig_pipe[0] < 0) {
		if (pipe2(loop->sig_pipe, O_NONBLOCK | O_CLOEXEC))
			return -errno;
	}
	sig_write_fd = loop->sig_pipe[1];
	loop->on_signal = cb;
	loop->signal_ud = ud;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal_raw;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	for (; *signals; signals++)
		if (sigaction(*signals, &sa, NULL))
			return -errno;
	return 0;
}

static int next_timeout(struct dt_loop *loop, int timeout_ms)
{
	uint64_t now = dt_now_ms();
	int t = timeout_ms;

	for (int i = 0; i < loop->nr_timers; i++) {
		uint64_t due = loop->timers[i].due_ms;
		int left = due <= now ? 0 : (due - now > 86400000u ? 86400000 : (int)(due - now));

		if (t < 0 || left < t)
			t = left;
	}
	return t;
}

static void run_timers(struct dt_loop *loop)
{
	uint64_t now = dt_now_ms();
	int i = 0;

	while (i < loop->nr_timers) {
		struct dt_loop_timer t = loop->timers[i];

		if (t.due_ms > now) {
			i++;
			continue;
		}
		loop->timers[i] = loop->timers[--loop->nr_timers];
		t.cb(loop, t.ud); /* may add or cancel timers */
		i = 0;
	}
}

static void drain_signals(struct dt_loop *loop)
{
	unsigned char buf[64];
	ssize_t n;

	while ((n = read(loop->sig_pipe[0], buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			if (loop->on_signal)
				loop->on_signal(loop, buf[i], loop->signal_ud);
}

int dt_loop_run_once(struct dt_loop *loop, int timeout_ms)
{
	struct pollfd pfd[DT_LOOP_MAX_FDS + 2];
	struct dt_loop_fd snap[DT_LOOP_MAX_FDS];
	int n = 0, nr = loop->nr_fds, rc;
	uint64_t counter;

	pfd[n++] = (struct pollfd){.fd = loop->wake_fd, .events = POLLIN};
	pfd[n++] = (struct pollfd){.fd = loop->sig_pipe[0], .events = POLLIN};
	memcpy(snap, loop->fds, sizeof(*snap) * (size_t)nr);
	for (int i = 0; i < nr; i++)
		pfd[n++] = (struct pollfd){.fd = snap[i].fd, .events = snap[i].events};
	rc = poll(pfd, (nfds_t)n, next_timeout(loop, timeout_ms));
	loop->iterations++;
	if (rc < 0)
		return errno == EINTR ? 0 : -errno;
	if (pfd[1].revents & POLLIN)
		drain_signals(loop);
	if (pfd[0].revents & POLLIN) {
		if (read(loop->wake_fd, &counter, sizeof(counter)) > 0)
			loop->wakeups++;
		if (loop->on_wake)
			loop->on_wake(loop, loop->wake_ud);
	}
	for (int i = 0; i < nr && !loop->quit; i++) {
		if (!pfd[i + 2].revents)
			continue;
		/* the callback list may have changed under an earlier callback */
		for (int j = 0; j < loop->nr_fds; j++) {
			if (loop->fds[j].fd == snap[i].fd && loop->fds[j].cb == snap[i].cb) {
				snap[i].cb(loop, snap[i].fd, pfd[i + 2].revents, snap[i].ud);
				break;
			}
		}
	}
	run_timers(loop);
	return 0;
}

int dt_loop_run(struct dt_loop *loop)
{
	int rc = 0;

	while (!loop->quit && rc == 0)
		rc = dt_loop_run_once(loop, -1);
	return rc;
}

void dt_loop_quit(struct dt_loop *loop)
{
	loop->quit = 1;
}
