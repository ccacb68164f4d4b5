#include "duoterm/core/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "duoterm/core/loop.h"

int dt_proc_spawn(struct dt_proc *p, char *const argv[], int flags)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1}, rc = 0;

	*p = (struct dt_proc){.pid = -1, .in_fd = -1, .out_fd = -1};
	if ((flags & DT_PROC_PIPE_IN) && pipe2(in, O_CLOEXEC))
		return -errno;
	if ((flags & DT_PROC_PIPE_OUT) && pipe2(out, O_CLOEXEC)) {
		rc = -errno;
		goto fail;
	}
	p->pid = fork();
	if (p->pid < 0) {
		rc = -errno;
		goto fail;
	}
	if (p->pid == 0) {
		if (in[0] >= 0)
			dup2(in[0], 0);
		if (out[1] >= 0)
			dup2(out[1], 1);
		if (flags & DT_PROC_NULL_ERR) {
			int devnull = open("/dev/null", O_WRONLY);

			if (devnull >= 0)
				dup2(devnull, 2);
		}
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], argv);
		dprintf(2, "duoterm: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (in[0] >= 0)
		close(in[0]);
	if (out[1] >= 0)
		close(out[1]);
	p->in_fd = in[1];
	p->out_fd = out[0];
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	return rc;
}

int dt_proc_wait(struct dt_proc *p, int timeout_ms)
{
	uint64_t deadline = dt_now_ms() + (uint64_t)timeout_ms;
	int status;

	if (p->pid <= 0)
		return -ECHILD;
	for (;;) {
		pid_t r = waitpid(p->pid, &status, WNOHANG);

		if (r == p->pid) {
			p->pid = -1;
			return status;
		}
		if (r < 0 && errno != EINTR)
			return -errno;
		if (dt_now_ms() >= deadline) {
			kill(p->pid, SIGKILL);
			waitpid(p->pid, &status, 0);
			p->pid = -1;
			return status;
		}
		nanosleep(&(struct timespec){0, 5 * 1000 * 1000}, NULL);
	}
}

int dt_proc_stop(struct dt_proc *p, int timeout_ms)
{
	if (p->in_fd >= 0)
		close(p->in_fd);
	if (p->out_fd >= 0)
		close(p->out_fd);
	p->in_fd = p->out_fd = -1;
	if (p->pid <= 0)
		return 0;
	kill(p->pid, SIGTERM);
	return dt_proc_wait(p, timeout_ms);
}

int dt_proc_run(char *const argv[], int quiet)
{
	struct dt_proc p;
	int rc = dt_proc_spawn(&p, argv, quiet ? DT_PROC_NULL_ERR : 0), status;

	if (rc)
		return rc;
	while (waitpid(p.pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int dt_read_line_timeout(int fd, char *buf, size_t size, int timeout_ms)
{
	uint64_t deadline = dt_now_ms() + (uint64_t)timeout_ms;
	size_t len = 0;

	while (len + 1 < size) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		uint64_t now = dt_now_ms();
		ssize_t n;
		char c;

		if (now >= deadline)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)(deadline - now)) <= 0)
			continue;
		n = read(fd, &c, 1);
		if (n == 0)
			return -EPIPE;
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		if (c == '\n')
			break;
		buf[len++] = c;
	}
	buf[len] = '\0';
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) && errno != ENOENT ? -1 : 0;
}

int dt_remove_tree(const char *path)
{
	if (nftw(path, remove_one, 32, FTW_DEPTH | FTW_PHYS))
		return errno ? -errno : -EIO;
	return 0;
}
