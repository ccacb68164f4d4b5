/*
 * run_command and git: a child process in its own process group, its
 * output (stdout and stderr together) read by the main loop without
 * blocking, streamed, capped (head and tail kept), and killed at its
 * timeout.  Secrets duoterm holds are removed from the child's environment.
 */
#include "tools_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "duoterm/agent/policy.h"
#include "duoterm/core/loop.h"

struct dt_tool_job {
	struct dt_tool_job *next;
	struct dt_tools *t;
	char *id;
	pid_t pid;
	int fd, status, exited, timed_out;
	uint64_t timer, reap_timer, start_ms;
	unsigned timeout_s;
	struct dt_sb head, tail;
	size_t total;
	dt_tool_done_cb done;
	dt_tool_output_cb out;
	void *ud;
};

static const char *const secret_env[] = {
	"GITLAB_TOKEN", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN",
	"GITLAB_OAUTH_TOKEN", "DUOTERM_TOKEN", NULL,
};

static void unlink_job(struct dt_tool_job *j)
{
	for (struct dt_tool_job **p = &j->t->jobs; *p; p = &(*p)->next) {
		if (*p == j) {
			*p = j->next;
			return;
		}
	}
}

static void free_job(struct dt_tool_job *j)
{
	struct dt_loop *loop = j->t->o.loop;

	unlink_job(j);
	if (j->timer)
		dt_loop_cancel_timer(loop, j->timer);
	if (j->reap_timer)
		dt_loop_cancel_timer(loop, j->reap_timer);
	if (j->fd >= 0) {
		dt_loop_del_fd(loop, j->fd);
		close(j->fd);
	}
	dt_sb_release(&j->head);
	dt_sb_release(&j->tail);
	free(j->id);
	free(j);
}

static void keep(struct dt_tool_job *j, const char *buf, size_t n)
{
	size_t cap = j->t->o.output_cap ? j->t->o.output_cap : 64 * 1024;
	size_t room = cap / 2 > j->head.len ? cap / 2 - j->head.len : 0;
	size_t h = n < room ? n : room;

	dt_sb_add(&j->head, buf, h);
	dt_sb_add(&j->tail, buf + h, n - h);
	if (j->tail.len > cap / 2)
		dt_sb_consume(&j->tail, j->tail.len - cap / 2);
	j->total += n;
}

static void finish(struct dt_tool_job *j)
{
	struct dt_sb text = DT_SB_INIT;
	struct dt_tool_result r = {0};
	size_t shown = j->head.len + j->tail.len;
	int st = j->status, bad;

	dt_sb_add(&text, j->head.buf ? j->head.buf : "", j->head.len);
	if (j->total > shown)
		dt_sb_addf(&text, "\n[... %zu bytes of output omitted ...]\n", j->total - shown);
	dt_sb_add(&text, j->tail.buf ? j->tail.buf : "", j->tail.len);
	if (text.len && text.buf[text.len - 1] != '\n')
		dt_sb_addc(&text, '\n');
	if (j->timed_out)
		dt_sb_addf(&text, "[timed out after %u s; killed]\n", j->timeout_s);
	else if (WIFSIGNALED(st))
		dt_sb_addf(&text, "[killed by signal %d]\n", WTERMSIG(st));
	else
		dt_sb_addf(&text, "[exit status %d]\n", WEXITSTATUS(st));
	bad = j->timed_out || !WIFEXITED(st) || WEXITSTATUS(st);
	r = (struct dt_tool_result){j->id, text.buf, bad, NULL, (long)(dt_now_ms() - j->start_ms)};
	j->done(&r, j->ud);
	dt_sb_release(&text);
	free_job(j);
}

static void reap_later(struct dt_loop *loop, void *ud);

/* After EOF: wait for the child without blocking the loop. */
static void reap(struct dt_tool_job *j)
{
	pid_t r = waitpid(j->pid, &j->status, WNOHANG);

	if (r == j->pid || (r < 0 && errno == ECHILD)) {
		finish(j);
		return;
	}
	j->reap_timer = dt_loop_add_timer(j->t->o.loop, 10, reap_later, j);
}

static void reap_later(struct dt_loop *loop, void *ud)
{
	struct dt_tool_job *j = ud;

	(void)loop;
	j->reap_timer = 0;
	reap(j);
}

static void on_output(struct dt_loop *loop, int fd, short revents, void *ud)
{
	struct dt_tool_job *j = ud;
	char buf[8192];
	ssize_t n;

	(void)revents;
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n > 0) {
			keep(j, buf, (size_t)n);
			if (j->out)
				j->out(j->id, buf, (size_t)n, j->ud);
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		break;
	}
	dt_loop_del_fd(loop, fd);
	close(fd);
	j->fd = -1;
	reap(j);
}

static void on_timeout(struct dt_loop *loop, void *ud)
{
	struct dt_tool_job *j = ud;

	(void)loop;
	j->timer = 0;
	j->timed_out = 1;
	kill(-j->pid, SIGKILL);
}

static void child(struct dt_tools *t, int fd, char *const argv[])
{
	int null = open("/dev/null", O_RDONLY);

	setpgid(0, 0);
	if (null >= 0)
		dup2(null, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	for (size_t i = 0; secret_env[i]; i++)
		unsetenv(secret_env[i]);
	setenv("GIT_PAGER", "cat", 1);
	setenv("PAGER", "cat", 1);
	setenv("GIT_TERMINAL_PROMPT", "0", 1);
	if (chdir(t->root))
		_exit(126);
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], argv);
	fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

void dt_tools_spawn(const struct dt_tool_call *c, char *const argv[], unsigned timeout_s)
{
	struct dt_tools *t = c->t;
	struct dt_tool_job *j;
	int p[2];
	pid_t pid;

	if (!t->o.loop) {
		dt_tool_finish(c, "commands cannot run here (no event loop)", 1, NULL);
		return;
	}
	if (pipe2(p, O_CLOEXEC)) {
		dt_tool_finish(c, "cannot create a pipe", 1, NULL);
		return;
	}
	pid = fork();
	if (pid == 0)
		child(t, p[1], argv);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		dt_tool_finish(c, "cannot start a process", 1, NULL);
		return;
	}
	setpgid(pid, pid);
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
	j = dt_xcalloc(1, sizeof(*j));
	*j = (struct dt_tool_job){.next = t->jobs, .t = t, .id = dt_xstrdup(c->id), .pid = pid,
				  .fd = p[0], .start_ms = dt_now_ms(), .timeout_s = timeout_s,
				  .done = c->done, .out = c->out, .ud = c->ud};
	t->jobs = j;
	dt_loop_add_fd(t->o.loop, j->fd, POLLIN, on_output, j);
	j->timer = dt_loop_add_timer(t->o.loop, (uint64_t)timeout_s * 1000, on_timeout, j);
}

static unsigned timeout_of(const struct dt_tool_call *c)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->args, "timeout");
	unsigned def = c->t->o.timeout_s ? c->t->o.timeout_s : 120;
	unsigned max = c->t->o.max_timeout_s ? c->t->o.max_timeout_s : 3600;
	double s;

	if (!cJSON_IsNumber(v) || v->valuedouble <= 0)
		return def;
	s = v->valuedouble;
	if (s > 3600)
		s /= 1000; /* DAP's proto says milliseconds, DWS sends seconds */
	if (s < 1)
		s = 1;
	return s > max ? max : (unsigned)s;
}

static void add_words(char **argv, size_t *n, size_t max, const cJSON *arr)
{
	const cJSON *w;

	cJSON_ArrayForEach(w, arr)
		if (cJSON_IsString(w) && *n < max)
			argv[(*n)++] = w->valuestring;
}

void dt_tools_run_command(const struct dt_tool_call *c)
{
	const char *cmd = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c->args, "command"));
	const char *prog = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c->args, "program"));
	char *argv[132];
	size_t n = 0;

	if (cmd) {
		argv[n++] = (char *)"/bin/sh";
		argv[n++] = (char *)"-c";
		argv[n++] = (char *)cmd;
	} else if (prog) {
		argv[n++] = (char *)prog;
		add_words(argv, &n, 130, cJSON_GetObjectItemCaseSensitive(c->args, "flags"));
		add_words(argv, &n, 130, cJSON_GetObjectItemCaseSensitive(c->args, "arguments"));
	} else {
		dt_tool_finish(c, "run_command needs \"command\" (a shell command line)", 1, NULL);
		return;
	}
	argv[n] = NULL;
	dt_tools_spawn(c, argv, timeout_of(c));
}

/* Splits "a 'b c' \"d\"" into words (quotes group, no expansion). */
static size_t split(char *s, char **argv, size_t max)
{
	size_t n = 0;
	char *w;

	while (*s && n < max) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		argv[n++] = w = s;
		while (*s && *s != ' ' && *s != '\t') {
			if (*s == '\'' || *s == '"') {
				char q = *s++;

				while (*s && *s != q)
					*w++ = *s++;
				if (*s)
					s++;
			} else {
				*w++ = *s++;
			}
		}
		if (*s)
			s++;
		*w = '\0';
	}
	return n;
}

void dt_tools_git(const struct dt_tool_call *c)
{
	const char *sub = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c->args, "command"));
	const cJSON *args = cJSON_GetObjectItemCaseSensitive(c->args, "args");
	char *argv[132], *copy = NULL;
	size_t n = 0;

	if (!sub)
		sub = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c->args, "subcommand"));
	if (!sub || !*sub || *sub == '-') {
		dt_tool_finish(c, "git needs \"command\" (the subcommand, e.g. \"log\") and \"args\"",
			       1, NULL);
		return;
	}
	argv[n++] = (char *)"git";
	argv[n++] = (char *)"--no-pager";
	argv[n++] = (char *)"-c";
	argv[n++] = (char *)"color.ui=never";
	argv[n++] = (char *)sub;
	if (!strcmp(sub, "diff") || !strcmp(sub, "log") || !strcmp(sub, "show"))
		argv[n++] = (char *)"--no-ext-diff";
	if (cJSON_IsString(args)) {
		copy = dt_xstrdup(args->valuestring);
		n += split(copy, argv + n, 126);
	} else {
		add_words(argv, &n, 130, args);
	}
	argv[n] = NULL;
	dt_tools_spawn(c, argv, timeout_of(c));
	free(copy);
}

int dt_tools_kill(struct dt_tools *t, const char *call_id)
{
	for (struct dt_tool_job *j = t->jobs; j; j = j->next) {
		if (strcmp(j->id, call_id))
			continue;
		kill(-j->pid, SIGKILL);
		waitpid(j->pid, NULL, 0);
		free_job(j);
		return 0;
	}
	return -1;
}

void dt_tools_kill_all(struct dt_tools *t)
{
	while (t->jobs) {
		kill(-t->jobs->pid, SIGKILL);
		waitpid(t->jobs->pid, NULL, 0);
		free_job(t->jobs);
	}
}
