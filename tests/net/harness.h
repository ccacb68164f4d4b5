/*
 * Shared by tests/unit/test_net_*.c: starting the helper servers of
 * tests/net/ and playing the main thread (a bounded queue, an eventfd wake,
 * dt_net_dispatch()).  Header-only: each test is a standalone program.
 */
#ifndef DUOTERM_TESTS_NET_HARNESS_H
#define DUOTERM_TESTS_NET_HARNESS_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "duoterm/core/bus.h"
#include "duoterm/core/log.h"
#include "duoterm/net/net.h"

static inline uint64_t h_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void h_sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static inline const char *h_srcdir(void)
{
	const char *d = getenv("DT_SRCDIR");

	return d && *d ? d : ".";
}

/* 1 when `sh -c cmd` succeeds quietly. */
static inline int h_have(const char *cmd)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%s >/dev/null 2>&1", cmd);
	return system(buf) == 0;
}

/* ---- helper servers ---------------------------------------------------- */

struct h_server {
	pid_t pid;
	int port;
	int stdin_fd; /* closing it tells the server to exit */
};

/* Starts argv, waits (up to 15 s) for its "PORT <n>" line. 0 or -1. */
static inline int h_server_start(struct h_server *s, char *const argv[])
{
	int in[2], out[2];
	char line[128];
	size_t len = 0;
	uint64_t deadline;

	memset(s, 0, sizeof(*s));
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		return -1;
	s->pid = fork();
	if (s->pid < 0)
		return -1;
	if (!s->pid) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execv(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	s->stdin_fd = in[1];
	deadline = h_now_ms() + 15000;
	while (len < sizeof(line) - 1) {
		struct pollfd p = {out[0], POLLIN, 0};
		int64_t left = (int64_t)(deadline - h_now_ms());
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		n = read(out[0], line + len, 1);
		if (n <= 0)
			break;
		if (line[len] == '\n') {
			line[len] = '\0';
			if (sscanf(line, "PORT %d", &s->port) == 1)
				break;
			len = 0;
			continue;
		}
		len++;
	}
	close(out[0]);
	if (s->port > 0)
		return 0;
	fprintf(stderr, "helper server %s did not start\n", argv[0]);
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	close(s->stdin_fd);
	s->pid = 0;
	return -1;
}

static inline void h_server_stop(struct h_server *s)
{
	uint64_t deadline = h_now_ms() + 3000;

	if (s->pid <= 0)
		return;
	close(s->stdin_fd);
	kill(s->pid, SIGTERM);
	while (waitpid(s->pid, NULL, WNOHANG) == 0) {
		if (h_now_ms() > deadline) {
			kill(s->pid, SIGKILL);
			waitpid(s->pid, NULL, 0);
			break;
		}
		h_sleep_ms(10);
	}
	s->pid = 0;
}

/* A port nobody listens on (bound, then closed). */
static inline int h_dead_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&a, sizeof(a));
	getsockname(fd, (struct sockaddr *)&a, &len);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* ---- the main thread's side ------------------------------------------- */

struct h_main {
	struct dt_queue q;
	int efd;
	unsigned long dispatched;
};

static inline void h_main_wake(void *ud)
{
	uint64_t one = 1;
	ssize_t n = write(((struct h_main *)ud)->efd, &one, sizeof(one));

	(void)n;
}

static inline int h_main_init(struct h_main *m, size_t cap)
{
	static int log_opened;

	/* DT_TEST_LOG=FILE: the debug log of the code under test */
	if (!log_opened && getenv("DT_TEST_LOG")) {
		dt_log_open(getenv("DT_TEST_LOG"), DT_LOG_TRACE);
		log_opened = 1;
	}
	memset(m, 0, sizeof(*m));
	m->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return dt_queue_init(&m->q, cap, h_main_wake, m);
}

static inline void h_main_release(struct h_main *m)
{
	dt_queue_release(&m->q);
	close(m->efd);
}

/* Waits up to timeout_ms for a wake, then dispatches everything queued. */
static inline int h_main_pump(struct h_main *m, int timeout_ms)
{
	struct pollfd p = {m->efd, POLLIN, 0};
	struct dt_msg *list;
	uint64_t v;
	int n = 0;

	if (!dt_queue_len(&m->q) && poll(&p, 1, timeout_ms) <= 0)
		return 0;
	if (read(m->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return 0;
	list = dt_queue_pop_all(&m->q);
	while (list) {
		struct dt_msg *next = list->next;

		dt_net_dispatch(list);
		list = next;
		n++;
	}
	m->dispatched += n;
	return n;
}

/* Pumps until *flag is non-zero; 0, or -1 after timeout_ms. */
static inline int h_main_until(struct h_main *m, const volatile int *flag, int timeout_ms)
{
	uint64_t deadline = h_now_ms() + timeout_ms;

	while (!*flag) {
		int64_t left = (int64_t)(deadline - h_now_ms());

		if (left <= 0)
			return -1;
		h_main_pump(m, left > 50 ? 50 : (int)left);
	}
	return 0;
}

/* Pumps for ms milliseconds whatever happens. */
static inline void h_main_run(struct h_main *m, int ms)
{
	uint64_t deadline = h_now_ms() + ms;
	int64_t left;

	while ((left = (int64_t)(deadline - h_now_ms())) > 0)
		h_main_pump(m, left > 50 ? 50 : (int)left);
}

#endif
