/*
 * Child processes: spawn with pipes, wait with a deadline, remove trees.
 */
#ifndef DUOTERM_CORE_PROC_H
#define DUOTERM_CORE_PROC_H

#include <sys/types.h>

struct dt_proc {
	pid_t pid;
	int in_fd;  /* write end of the child's stdin, or -1 */
	int out_fd; /* read end of the child's stdout, or -1 */
};

#define DT_PROC_PIPE_IN 1
#define DT_PROC_PIPE_OUT 2
#define DT_PROC_NULL_ERR 4 /* stderr to /dev/null */

/* Starts argv[0] (searched in PATH) with the pipes asked for; other fds are
 * closed in the child (everything duoterm opens is O_CLOEXEC).  0 or -errno. */
int dt_proc_spawn(struct dt_proc *p, char *const argv[], int flags);
/* Waits up to timeout_ms for the child, then SIGKILLs it.  Exit status as
 * waitpid gives it, or -errno. */
int dt_proc_wait(struct dt_proc *p, int timeout_ms);
/* Closes the pipes, sends SIGTERM, waits up to timeout_ms, then SIGKILL. */
int dt_proc_stop(struct dt_proc *p, int timeout_ms);
/* Runs a command to completion; its exit status (0 = success) or -errno. */
int dt_proc_run(char *const argv[], int quiet);
/* Reads one line from fd within timeout_ms into buf (NUL-terminated, no
 * newline).  0, or -ETIMEDOUT / -EPIPE (EOF) / -errno. */
int dt_read_line_timeout(int fd, char *buf, size_t size, int timeout_ms);
/* rm -rf; 0 or -errno. */
int dt_remove_tree(const char *path);

#endif
