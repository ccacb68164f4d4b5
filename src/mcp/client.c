/*
 * An MCP server over stdio (mcp/client.h).
 *
 * The same read path serves both phases: during the blocking handshake
 * pump() polls the pipes itself; once ready the loop watches them.  Every
 * request waits in `pending` under its id until its answer, the server's
 * exit, a timeout or a cancel takes it out.
 */
#include "duoterm/mcp/client.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "duoterm/core/log.h"
#include "duoterm/core/loop.h"
#include "duoterm/net/http.h"
#include "duoterm/net/sse.h"

#define ERR_KEEP 4096
#define LINE_MAX_BYTES (32u << 20)

enum pkind { P_CALL, P_SYNC, P_RELIST };

struct sync_wait {
	int done;
	cJSON *result;   /* owned */
	struct dt_sb err;
};

struct pending {
	struct pending *next;
	struct dt_mcp_server *s;
	long long id;
	uint64_t handle, timer;
	enum pkind kind;
	unsigned timeout_ms;
	dt_mcp_call_cb cb;
	void *ud;
	struct sync_wait *sync;
};

struct post;

struct dt_mcp_server {
	struct dt_mcp_server_conf conf;
	struct dt_loop *loop;
	struct dt_net *net;   /* streamable HTTP */
	char *session;        /* mcp-session-id, or NULL */
	struct post *posts;   /* HTTP requests under way */
	int http_open;
	char *workdir;
	pid_t pid;
	int in_fd, out_fd, err_fd, watched;
	struct dt_sb rbuf, errtail, name, version, error;
	long long next_id;
	uint64_t next_handle;
	struct pending *pending;
	struct dt_mcp_tool *tools, *new_tools;
	size_t n_tools, n_new;
	unsigned generation;
	int ready, relisting, broken;
	int starting;               /* 1: initialize sent, 2: could not start */
	struct sync_wait init_wait; /* dt_mcp_server_start's initialize */
	struct pending *init_p;
	struct dt_sb start_err;
};

static const char *const secret_env[] = {
	"GITLAB_TOKEN", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN",
	"GITLAB_OAUTH_TOKEN", "DUOTERM_TOKEN", NULL,
};

static char **copy_list(char *const *l)
{
	size_t n = 0;
	char **c;

	while (l && l[n])
		n++;
	if (!l)
		return NULL;
	c = dt_xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		c[i] = dt_xstrdup(l[i]);
	return c;
}

static void free_list(char **l)
{
	for (size_t i = 0; l && l[i]; i++)
		free(l[i]);
	free(l);
}

struct dt_mcp_server *dt_mcp_server_new(const struct dt_mcp_server_conf *conf,
					struct dt_loop *loop, struct dt_net *net, const char *workdir)
{
	struct dt_mcp_server *s = dt_xcalloc(1, sizeof(*s));

	s->conf = *conf;
	s->conf.name = dt_xstrdup(conf->name);
	s->conf.argv = copy_list(conf->argv);
	s->conf.env = copy_list(conf->env);
	s->conf.cwd = conf->cwd ? dt_xstrdup(conf->cwd) : NULL;
	s->conf.url = conf->url ? dt_xstrdup(conf->url) : NULL;
	s->conf.headers = copy_list(conf->headers);
	s->conf.origin = conf->origin ? dt_xstrdup(conf->origin) : NULL;
	s->loop = loop;
	s->net = net;
	for (size_t i = 0; s->conf.headers && s->conf.headers[i]; i++) {
		const char *v = strchr(s->conf.headers[i], ':');

		if (!v)
			continue;
		v += strspn(v + 1, " \t") + 1;
		if (strlen(v) > 8) /* tokens, never logged */
			dt_secret_register(v);
	}
	s->workdir = workdir ? dt_xstrdup(workdir) : NULL;
	s->pid = -1;
	s->in_fd = s->out_fd = s->err_fd = -1;
	s->next_id = 1;
	return s;
}

/* ---- the process ------------------------------------------------------------------ */

static void child(struct dt_mcp_server *s, int in, int out, int err)
{
	const char *cwd = s->conf.cwd ? s->conf.cwd : s->workdir;

	setpgid(0, 0);
	dup2(in, 0);
	dup2(out, 1);
	dup2(err, 2);
	for (size_t i = 0; secret_env[i]; i++)
		unsetenv(secret_env[i]);
	for (size_t i = 0; s->conf.env && s->conf.env[i]; i++)
		putenv(s->conf.env[i]);
	if (cwd && chdir(cwd)) {
		fprintf(stderr, "cannot enter %s: %s\n", cwd, strerror(errno));
		_exit(126);
	}
	signal(SIGPIPE, SIG_DFL);
	execvp(s->conf.argv[0], s->conf.argv);
	fprintf(stderr, "cannot run %s: %s\n", s->conf.argv[0], strerror(errno));
	_exit(127);
}

static int spawn(struct dt_mcp_server *s, struct dt_sb *err)
{
	int in[2], out[2], er[2];

	if (s->conf.type == DT_MCP_SSE) {
		dt_sb_adds(err, "the old HTTP+SSE transport (type sse) is not supported; "
			   "use type http (streamable HTTP)");
		return -1;
	}
	if (s->conf.type == DT_MCP_HTTP) {
		if (!s->net) {
			dt_sb_adds(err, "no network here for an HTTP server");
			return -1;
		}
		free(s->session);
		s->session = NULL;
		s->http_open = 1;
		s->next_id = 1;
		return 0;
	}
	if (pipe2(in, O_CLOEXEC))
		goto nopipe;
	if (pipe2(out, O_CLOEXEC)) {
		close(in[0]);
		close(in[1]);
		goto nopipe;
	}
	if (pipe2(er, O_CLOEXEC)) {
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		goto nopipe;
	}
	s->pid = fork();
	if (s->pid == 0)
		child(s, in[0], out[1], er[1]);
	close(in[0]);
	close(out[1]);
	close(er[1]);
	if (s->pid < 0) {
		close(in[1]);
		close(out[0]);
		close(er[0]);
		dt_sb_addf(err, "cannot start a process: %s", strerror(errno));
		return -1;
	}
	setpgid(s->pid, s->pid);
	s->in_fd = in[1];
	s->out_fd = out[0];
	s->err_fd = er[0];
	fcntl(s->out_fd, F_SETFL, fcntl(s->out_fd, F_GETFL) | O_NONBLOCK);
	fcntl(s->err_fd, F_SETFL, fcntl(s->err_fd, F_GETFL) | O_NONBLOCK);
	dt_sb_reset(&s->rbuf);
	dt_sb_reset(&s->errtail);
	s->next_id = 1; /* a new process, a new session (nothing is pending) */
	return 0;
nopipe:
	dt_sb_addf(err, "cannot create a pipe: %s", strerror(errno));
	return -1;
}

static void close_fd(struct dt_mcp_server *s, int *fd)
{
	if (*fd < 0)
		return;
	if (s->watched && *fd != s->in_fd)
		dt_loop_del_fd(s->loop, *fd);
	close(*fd);
	*fd = -1;
}

/* Closes the pipes and ends the process: SIGTERM to its group, then
 * SIGKILL after 300 ms.  The exit status, or -1 when unknown. */
static void http_close(struct dt_mcp_server *s);

static int stop(struct dt_mcp_server *s)
{
	int st = -1;

	if (s->http_open)
		http_close(s);
	close_fd(s, &s->in_fd);
	close_fd(s, &s->out_fd);
	close_fd(s, &s->err_fd);
	s->watched = 0;
	if (s->pid > 0) {
		uint64_t until = dt_now_ms() + 300;
		pid_t r;

		while ((r = waitpid(s->pid, &st, WNOHANG)) == 0 && dt_now_ms() < until) {
			if (dt_now_ms() + 290 > until)
				kill(-s->pid, SIGTERM);
			usleep(5000);
		}
		if (r == 0) {
			kill(-s->pid, SIGKILL);
			waitpid(s->pid, &st, 0);
		}
		s->pid = -1;
	}
	return st;
}

/* ---- pending requests --------------------------------------------------------------- */

static void unlink_pending(struct pending *p)
{
	for (struct pending **pp = &p->s->pending; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
	if (p->timer)
		dt_loop_cancel_timer(p->s->loop, p->timer);
	p->timer = 0;
}

/* Takes p out and tells whoever waits.  text is the reason on failure. */
static void complete(struct pending *p, const cJSON *result, const char *failure)
{
	struct dt_sb text = DT_SB_INIT;
	int is_error;

	unlink_pending(p);
	switch (p->kind) {
	case P_SYNC:
		p->sync->done = 1;
		if (result)
			p->sync->result = cJSON_Duplicate(result, 1);
		else
			dt_sb_adds(&p->sync->err, failure);
		break;
	case P_RELIST:
		p->s->relisting = 0;
		break;
	case P_CALL:
		if (result) {
			is_error = dt_mcp_result_text(result, &text);
			p->cb(text.buf, is_error != 0, p->ud);
		} else {
			p->cb(failure, 1, p->ud);
		}
		break;
	}
	dt_sb_release(&text);
	free(p);
}

static void died(struct dt_mcp_server *s, const char *why);

static int send_line(struct dt_mcp_server *s, const struct dt_sb *line)
{
	size_t off = 0;

	while (off < line->len) {
		ssize_t n = write(s->in_fd, line->buf + off, line->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

static int http_post(struct dt_mcp_server *s, const struct dt_sb *line, long long id);

static int transmit(struct dt_mcp_server *s, const struct dt_sb *line, long long id)
{
	if (s->http_open)
		return http_post(s, line, id);
	return s->in_fd < 0 ? -1 : send_line(s, line);
}

static void on_call_timeout(struct dt_loop *loop, void *ud);

static struct pending *request(struct dt_mcp_server *s, enum pkind kind, const char *method,
			       cJSON *params, struct sync_wait *w)
{
	struct pending *p = dt_xcalloc(1, sizeof(*p));
	struct dt_sb line = DT_SB_INIT;

	p->s = s;
	p->kind = kind;
	p->sync = w;
	p->id = s->next_id++;
	p->handle = ++s->next_handle;
	p->next = s->pending;
	s->pending = p;
	dt_rpc_request(&line, p->id, method, params);
	dt_debug("mcp", "%s: -> %s id %lld", s->conf.name, method, p->id);
	/* a failed write is noticed by the caller (check_sent) once p is complete */
	if (transmit(s, &line, p->id))
		s->broken = 1;
	dt_sb_release(&line);
	return p;
}

static void check_sent(struct dt_mcp_server *s)
{
	if (s->broken) {
		s->broken = 0;
		died(s, s->http_open ? "could not be sent a request" : "stopped reading its stdin");
	}
}

static void notify(struct dt_mcp_server *s, const char *method, cJSON *params)
{
	struct dt_sb line = DT_SB_INIT;

	dt_rpc_notify(&line, method, params);
	transmit(s, &line, -1);
	dt_sb_release(&line);
}

/* ---- reading ---------------------------------------------------------------------------- */

static void relist(struct dt_mcp_server *s, const char *cursor)
{
	cJSON *params = NULL;

	if (cursor) {
		params = cJSON_CreateObject();
		cJSON_AddStringToObject(params, "cursor", cursor);
	}
	s->relisting = 1;
	request(s, P_RELIST, "tools/list", params, NULL);
	check_sent(s);
}

static void relist_answer(struct dt_mcp_server *s, const cJSON *result)
{
	struct dt_sb err = DT_SB_INIT;
	char *cursor = NULL;

	if (dt_mcp_parse_tools(result, &s->new_tools, &s->n_new, &cursor, &err)) {
		dt_warn("mcp", "%s: %s", s->conf.name, err.buf);
	} else if (cursor) {
		relist(s, cursor);
		free(cursor);
		dt_sb_release(&err);
		return;
	} else {
		dt_mcp_tools_free(s->tools, s->n_tools);
		s->tools = s->new_tools;
		s->n_tools = s->n_new;
		s->new_tools = NULL;
		s->n_new = 0;
		s->generation++;
		dt_info("mcp", "%s: the tool list changed (%zu tools)", s->conf.name, s->n_tools);
	}
	dt_mcp_tools_free(s->new_tools, s->n_new);
	s->new_tools = NULL;
	s->n_new = 0;
	dt_sb_release(&err);
}

static void server_request(struct dt_mcp_server *s, const struct dt_rpc_msg *m)
{
	struct dt_sb line = DT_SB_INIT;

	if (!strcmp(m->method, "ping"))
		dt_rpc_answer(&line, m->id_json, cJSON_CreateObject(), 0, NULL);
	else
		dt_rpc_answer(&line, m->id_json, NULL, -32601, "Method not found");
	transmit(s, &line, -1);
	dt_sb_release(&line);
}

static void handle_line(struct dt_mcp_server *s, const char *line, size_t len)
{
	struct dt_sb err = DT_SB_INIT, why = DT_SB_INIT;
	struct dt_rpc_msg m;
	struct pending *p;

	while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
		len--;
	if (!len)
		return;
	if (dt_rpc_parse(line, len, &m, &err)) {
		dt_warn("mcp", "%s: ignored a line on stdout: %s", s->conf.name, err.buf);
		dt_sb_release(&err);
		return;
	}
	switch (m.kind) {
	case DT_RPC_NOTIFICATION:
		if (!strcmp(m.method, "notifications/tools/list_changed") && s->ready &&
		    !s->relisting)
			relist(s, NULL);
		break;
	case DT_RPC_REQUEST:
		server_request(s, &m);
		break;
	case DT_RPC_RESULT:
	case DT_RPC_ERROR:
		for (p = s->pending; p && p->id != m.id; p = p->next)
			;
		if (!p) {
			dt_debug("mcp", "%s: an answer to no request (id %lld)", s->conf.name, m.id);
			break;
		}
		if (m.kind == DT_RPC_ERROR) {
			dt_sb_addf(&why, "MCP server %s: error %d: %s", s->conf.name, m.code,
				   m.message);
			complete(p, NULL, why.buf);
		} else if (p->kind == P_RELIST) {
			unlink_pending(p);
			free(p);
			s->relisting = 0;
			relist_answer(s, m.result);
		} else {
			complete(p, m.result, NULL);
		}
		break;
	}
	dt_rpc_release(&m);
	dt_sb_release(&why);
}

/* Reads what stdout has; 0, or -1 at EOF or error (the server is gone). */
static int read_out(struct dt_mcp_server *s)
{
	char buf[16384];
	ssize_t n;

	for (;;) {
		char *nl;
		size_t start = 0;

		n = read(s->out_fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			return -1;
		dt_sb_add(&s->rbuf, buf, (size_t)n);
		while (s->rbuf.len > start &&
		       (nl = memchr(s->rbuf.buf + start, '\n', s->rbuf.len - start))) {
			size_t end = (size_t)(nl - s->rbuf.buf);

			handle_line(s, s->rbuf.buf + start, end - start);
			start = end + 1;
			if (s->out_fd < 0) /* a handler found the server dead */
				return -1;
		}
		dt_sb_consume(&s->rbuf, start);
		if (s->rbuf.len > LINE_MAX_BYTES)
			return -1;
	}
}

static void read_err(struct dt_mcp_server *s)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(s->err_fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
		if (n > 0)
			dt_sb_add(&s->errtail, buf, (size_t)n);
	}
	if (s->errtail.len > ERR_KEEP)
		dt_sb_consume(&s->errtail, s->errtail.len - ERR_KEEP);
	if (n == 0)
		close_fd(s, &s->err_fd);
}

/* The last lines of stderr, for an error message (at most 600 bytes). */
static void err_tail(struct dt_mcp_server *s, struct dt_sb *out)
{
	const char *t = s->errtail.buf ? s->errtail.buf : "";
	size_t len = s->errtail.len;

	while (len && (t[len - 1] == '\n' || t[len - 1] == ' '))
		len--;
	if (!len)
		return;
	if (len > 600) {
		t += len - 600;
		len = 600;
	}
	dt_sb_adds(out, "; its stderr: ");
	for (size_t i = 0; i < len; i++)
		dt_sb_addc(out, t[i] == '\n' ? ' ' : t[i]);
}

static void died(struct dt_mcp_server *s, const char *why)
{
	struct dt_sb msg = DT_SB_INIT;
	int st;

	if (s->err_fd >= 0)
		read_err(s);
	st = stop(s);
	s->ready = 0;
	s->relisting = 0;
	dt_sb_addf(&msg, "MCP server %s ", s->conf.name);
	if (why)
		dt_sb_adds(&msg, why);
	else if (s->conf.type != DT_MCP_STDIO)
		dt_sb_adds(&msg, "could not be reached");
	else if (st >= 0 && WIFEXITED(st))
		dt_sb_addf(&msg, "exited with status %d", WEXITSTATUS(st));
	else if (st >= 0 && WIFSIGNALED(st))
		dt_sb_addf(&msg, "was killed by signal %d", WTERMSIG(st));
	else
		dt_sb_adds(&msg, "closed its output");
	err_tail(s, &msg);
	dt_redact(&msg);
	dt_sb_reset(&s->error);
	dt_sb_add(&s->error, msg.buf, msg.len);
	dt_warn("mcp", "%s", msg.buf);
	while (s->pending)
		complete(s->pending, NULL, msg.buf);
	dt_sb_release(&msg);
}

static void on_out(struct dt_loop *loop, int fd, short revents, void *ud)
{
	struct dt_mcp_server *s = ud;

	(void)loop;
	(void)fd;
	(void)revents;
	if (read_out(s))
		died(s, NULL);
}

static void on_err(struct dt_loop *loop, int fd, short revents, void *ud)
{
	(void)loop;
	(void)fd;
	(void)revents;
	read_err(ud);
}

/* Blocks until the sync request is answered, the server is gone or the
 * deadline passes. */
static void pump(struct dt_mcp_server *s, struct sync_wait *w, uint64_t deadline)
{
	/* HTTP answers come from the net thread through the loop */
	while (!w->done && s->http_open && dt_now_ms() < deadline)
		dt_loop_run_once(s->loop, (int)(deadline - dt_now_ms()));
	while (!w->done && s->out_fd >= 0) {
		struct pollfd pf[2] = {{s->out_fd, POLLIN, 0}, {s->err_fd, POLLIN, 0}};
		uint64_t now = dt_now_ms();
		int r;

		if (now >= deadline)
			return;
		r = poll(pf, s->err_fd >= 0 ? 2 : 1, (int)(deadline - now));
		if (r < 0 && errno != EINTR)
			return;
		if (r <= 0)
			continue;
		if (s->err_fd >= 0 && pf[1].revents)
			read_err(s);
		if (pf[0].revents && read_out(s))
			died(s, NULL);
	}
}

/* Waits for the answer to p (whose waiter is w). */
static int finish_sync(struct dt_mcp_server *s, struct sync_wait *w, struct pending *p,
		       const char *method, uint64_t deadline, cJSON **result, struct dt_sb *err)
{
	pump(s, w, deadline);
	if (!w->done) {
		unlink_pending(p);
		free(p);
		dt_sb_addf(err, "MCP server %s did not answer %s in time", s->conf.name, method);
		err_tail(s, err);
	} else if (w->result) {
		*result = w->result;
	} else {
		dt_sb_add(err, w->err.buf, w->err.len);
	}
	dt_sb_release(&w->err);
	return w->result ? 0 : -1;
}

static int call_sync(struct dt_mcp_server *s, const char *method, cJSON *params,
		     uint64_t deadline, cJSON **result, struct dt_sb *err)
{
	struct sync_wait w = {0};
	struct pending *p = request(s, P_SYNC, method, params, &w);

	check_sent(s);
	return finish_sync(s, &w, p, method, deadline, result, err);
}

static int list_tools(struct dt_mcp_server *s, uint64_t deadline, struct dt_sb *err)
{
	struct dt_mcp_tool *tools = NULL;
	size_t n = 0, pages = 0;
	char *cursor = NULL;
	cJSON *result, *params;
	int rc = 0;

	do {
		params = NULL;
		if (cursor) {
			params = cJSON_CreateObject();
			cJSON_AddStringToObject(params, "cursor", cursor);
			free(cursor);
			cursor = NULL;
		}
		if (call_sync(s, "tools/list", params, deadline, &result, err)) {
			rc = -1;
			break;
		}
		rc = dt_mcp_parse_tools(result, &tools, &n, &cursor, err);
		cJSON_Delete(result);
	} while (!rc && cursor && ++pages < 100);
	free(cursor);
	if (rc) {
		dt_mcp_tools_free(tools, n);
		return -1;
	}
	dt_mcp_tools_free(s->tools, s->n_tools);
	s->tools = tools;
	s->n_tools = n;
	s->generation++;
	return 0;
}

void dt_mcp_server_start(struct dt_mcp_server *s)
{
	if (s->starting)
		return;
	if (s->pid > 0 || s->http_open)
		stop(s);
	s->ready = 0;
	dt_sb_reset(&s->error);
	dt_sb_reset(&s->version);
	dt_sb_reset(&s->start_err);
	s->init_wait = (struct sync_wait){0};
	if (spawn(s, &s->start_err)) {
		s->starting = 2;
		return;
	}
	s->starting = 1;
	s->init_p = request(s, P_SYNC, "initialize", dt_mcp_initialize_params(), &s->init_wait);
	check_sent(s);
}

int dt_mcp_server_connect(struct dt_mcp_server *s, unsigned timeout_ms, struct dt_sb *err)
{
	uint64_t deadline = dt_now_ms() + timeout_ms;
	struct dt_sb why = DT_SB_INIT, name = DT_SB_INIT;
	cJSON *result = NULL;
	const char *v;
	int started;

	dt_mcp_server_start(s);
	started = s->starting;
	s->starting = 0;
	if (started == 2) {
		dt_sb_add(&why, s->start_err.buf, s->start_err.len);
		goto fail;
	}
	if (finish_sync(s, &s->init_wait, s->init_p, "initialize", deadline, &result, &why) ||
	    dt_mcp_check_initialize(result, &name, &why))
		goto fail;
	v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(result, "protocolVersion"));
	dt_sb_reset(&s->version);
	dt_sb_adds(&s->version, v);
	dt_sb_reset(&s->name);
	dt_sb_add(&s->name, name.buf ? name.buf : "", name.len);
	cJSON_Delete(result);
	result = NULL;
	notify(s, "notifications/initialized", NULL);
	if (list_tools(s, deadline, &why))
		goto fail;
	s->ready = 1;
	if (s->out_fd >= 0) {
		s->watched = 1;
		dt_loop_add_fd(s->loop, s->out_fd, POLLIN, on_out, s);
	}
	if (s->err_fd >= 0)
		dt_loop_add_fd(s->loop, s->err_fd, POLLIN, on_err, s);
	dt_info("mcp", "%s: %s, MCP %s, %zu tools", s->conf.name, s->name.buf ? s->name.buf : "",
		s->version.buf, s->n_tools);
	dt_sb_release(&why);
	dt_sb_release(&name);
	return 0;
fail:
	cJSON_Delete(result);
	if (s->pid > 0 || s->http_open)
		stop(s);
	dt_sb_reset(&s->error);
	if (strncmp(why.buf ? why.buf : "", "MCP server ", 11))
		dt_sb_addf(&s->error, "MCP server %s: ", s->conf.name);
	dt_sb_add(&s->error, why.buf, why.len);
	dt_redact(&s->error);
	dt_sb_add(err, s->error.buf, s->error.len);
	dt_sb_release(&why);
	dt_sb_release(&name);
	return -1;
}

/* ---- streamable HTTP ---------------------------------------------------------------------
 *
 * Each message is a POST; the answer comes back as JSON or as an SSE
 * stream of messages (notifications first, then the answer).  A post
 * outlives its server when the server is freed (s = NULL) until its DONE.
 */

struct post {
	struct post *next;
	struct dt_mcp_server *s;
	dt_net_id id;
	long long rpc_id; /* -1: a notification or an answer */
	long status;
	int sse;
	struct dt_sse parser;
	struct dt_sb body;
};

static void unlink_post(struct post *p)
{
	if (!p->s)
		return;
	for (struct post **pp = &p->s->posts; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
}

static int on_sse(void *ud, const struct dt_sse_event *ev)
{
	struct post *p = ud;

	if (p->s && ev->type_len == 7 && !memcmp(ev->type, "message", 7))
		handle_line(p->s, ev->data, ev->data_len);
	return 0;
}

static struct pending *find_pending(struct dt_mcp_server *s, long long id)
{
	for (struct pending *q = s->pending; q && id >= 0; q = q->next)
		if (q->id == id)
			return q;
	return NULL;
}

static void post_done(struct post *p, const struct dt_http_event *ev)
{
	struct dt_mcp_server *s = p->s;
	struct dt_sb why = DT_SB_INIT;
	struct pending *q;

	if (p->sse)
		dt_sse_finish(&p->parser);
	else if (ev->result == 0 && p->status < 300 && p->body.len)
		handle_line(s, p->body.buf, p->body.len);
	if (ev->result)
		dt_sb_addf(&why, "MCP server %s could not be reached: %s", s->conf.name, ev->error);
	else if (p->status >= 300)
		dt_sb_addf(&why, "MCP server %s answered HTTP %ld: %.300s", s->conf.name, p->status,
			   p->body.buf ? p->body.buf : "");
	else
		dt_sb_addf(&why, "MCP server %s ended its answer without a result", s->conf.name);
	/* a session the server no longer knows: start again at the next call */
	if (!ev->result && (p->status == 404 || (p->status == 400 && s->session))) {
		free(s->session);
		s->session = NULL;
		s->ready = 0;
		dt_sb_adds(&why, " (the session is gone: the next call starts a new one)");
	}
	dt_redact(&why);
	if ((q = find_pending(s, p->rpc_id)))
		complete(q, NULL, why.buf);
	dt_sb_release(&why);
}

static void on_http(const struct dt_http_event *ev, void *ud)
{
	struct post *p = ud;
	const char *v;

	switch (ev->type) {
	case DT_HTTP_HEAD:
		p->status = ev->status;
		v = dt_http_header(ev, "content-type");
		if (v && strstr(v, "text/event-stream")) {
			p->sse = 1;
			dt_sse_init(&p->parser, on_sse, p);
		}
		v = dt_http_header(ev, "mcp-session-id");
		if (p->s && v && *v && ev->status < 300 && !p->s->session)
			p->s->session = dt_xstrndup(v, strnlen(v, 256));
		break;
	case DT_HTTP_BODY:
		if (!p->s)
			break;
		if (p->sse && p->status < 300)
			dt_sse_feed(&p->parser, ev->data, ev->len);
		else if (p->body.len < LINE_MAX_BYTES)
			dt_sb_add(&p->body, ev->data, ev->len);
		break;
	case DT_HTTP_DONE:
		if (p->s && !ev->cancelled)
			post_done(p, ev);
		unlink_post(p);
		if (p->sse)
			dt_sse_release(&p->parser);
		dt_sb_release(&p->body);
		free(p);
		break;
	}
}

static int http_send(struct dt_mcp_server *s, const char *method, const struct dt_sb *line,
		     struct post *p)
{
	const char *hdr[40];
	struct dt_sb sid = DT_SB_INIT, ver = DT_SB_INIT;
	struct dt_http_request req = DT_HTTP_REQUEST_INIT;
	size_t n = 0;
	int rc;

	hdr[n++] = "Content-Type: application/json";
	hdr[n++] = "Accept: application/json, text/event-stream";
	if (s->session) {
		dt_sb_addf(&sid, "mcp-session-id: %s", s->session);
		hdr[n++] = sid.buf;
	}
	if (s->version.len) {
		dt_sb_addf(&ver, "mcp-protocol-version: %s", s->version.buf);
		hdr[n++] = ver.buf;
	}
	for (size_t i = 0; s->conf.headers && s->conf.headers[i] && n < 39; i++)
		hdr[n++] = s->conf.headers[i];
	hdr[n] = NULL;
	req.method = method;
	req.url = s->conf.url;
	req.headers = hdr;
	req.body = line ? line->buf : NULL;
	req.body_len = line ? line->len : 0;
	req.idle_timeout_ms = DT_MCP_CALL_MS + 5000;
	rc = dt_http_start(s->net, &req, on_http, p, p ? &p->id : NULL);
	dt_sb_release(&sid);
	dt_sb_release(&ver);
	return rc;
}

static int http_post(struct dt_mcp_server *s, const struct dt_sb *line, long long id)
{
	struct post *p = dt_xcalloc(1, sizeof(*p));

	p->s = s;
	p->rpc_id = id;
	if (http_send(s, "POST", line, p)) {
		free(p);
		return -1;
	}
	p->next = s->posts;
	s->posts = p;
	return 0;
}

struct deletion {
	int done, abandoned;
};

static void on_delete(const struct dt_http_event *ev, void *ud)
{
	struct deletion *d = ud;

	if (ev->type != DT_HTTP_DONE)
		return;
	if (d->abandoned)
		free(d);
	else
		d->done = 1;
}

/* Ends the session (DELETE, waited for up to a second: duoterm may be about
 * to exit, and the net thread with it) and lets the posts go. */
static void http_close(struct dt_mcp_server *s)
{
	if (s->session) {
		const char *hdr[] = {NULL, NULL};
		struct dt_sb sid = DT_SB_INIT;
		struct dt_http_request req = DT_HTTP_REQUEST_INIT;
		struct deletion *d = dt_xcalloc(1, sizeof(*d));
		uint64_t until = dt_now_ms() + 1000;

		dt_sb_addf(&sid, "mcp-session-id: %s", s->session);
		hdr[0] = sid.buf;
		req.method = "DELETE";
		req.url = s->conf.url;
		req.headers = hdr;
		req.total_timeout_ms = 1000;
		if (dt_http_start(s->net, &req, on_delete, d, NULL)) {
			free(d);
		} else {
			while (!d->done && dt_now_ms() < until)
				dt_loop_run_once(s->loop, (int)(until - dt_now_ms()));
			if (d->done)
				free(d);
			else
				d->abandoned = 1;
		}
		dt_sb_release(&sid);
	}
	while (s->posts) {
		struct post *p = s->posts;

		s->posts = p->next;
		p->s = NULL;
		dt_http_cancel(s->net, p->id);
	}
	free(s->session);
	s->session = NULL;
	s->http_open = 0;
}

/* ---- calls ------------------------------------------------------------------------------- */

static void on_call_timeout(struct dt_loop *loop, void *ud)
{
	struct pending *p = ud;
	struct dt_mcp_server *s = p->s;
	struct dt_sb msg = DT_SB_INIT;
	cJSON *params = cJSON_CreateObject();

	(void)loop;
	p->timer = 0;
	cJSON_AddNumberToObject(params, "requestId", (double)p->id);
	cJSON_AddStringToObject(params, "reason", "timed out");
	notify(s, "notifications/cancelled", params);
	dt_sb_addf(&msg, "MCP server %s did not answer within %u s (the call was cancelled)",
		   s->conf.name, p->timeout_ms / 1000);
	complete(p, NULL, msg.buf);
	dt_sb_release(&msg);
}

uint64_t dt_mcp_server_call(struct dt_mcp_server *s, const char *tool, const cJSON *args,
			    unsigned timeout_ms, dt_mcp_call_cb cb, void *ud)
{
	struct dt_sb err = DT_SB_INIT;
	cJSON *params;
	struct pending *p;
	uint64_t handle;

	if (!s->ready && dt_mcp_server_connect(s, DT_MCP_START_MS, &err)) {
		cb(err.buf, 1, ud);
		dt_sb_release(&err);
		return ++s->next_handle;
	}
	dt_sb_release(&err);
	params = cJSON_CreateObject();
	cJSON_AddStringToObject(params, "name", tool);
	cJSON_AddItemToObject(params, "arguments",
			      cJSON_IsObject(args) ? cJSON_Duplicate(args, 1) : cJSON_CreateObject());
	p = request(s, P_CALL, "tools/call", params, NULL);
	p->cb = cb;
	p->ud = ud;
	handle = p->handle;
	check_sent(s);
	if (!s->ready) /* it died: p was completed and freed */
		return handle;
	p->timeout_ms = timeout_ms ? timeout_ms : DT_MCP_CALL_MS;
	p->timer = dt_loop_add_timer(s->loop, p->timeout_ms, on_call_timeout, p);
	return handle;
}

void dt_mcp_server_cancel(struct dt_mcp_server *s, uint64_t handle)
{
	cJSON *params;

	for (struct pending *p = s->pending; p; p = p->next) {
		if (p->handle != handle || p->kind != P_CALL)
			continue;
		params = cJSON_CreateObject();
		cJSON_AddNumberToObject(params, "requestId", (double)p->id);
		cJSON_AddStringToObject(params, "reason", "cancelled by the user");
		notify(s, "notifications/cancelled", params);
		unlink_pending(p);
		free(p);
		return;
	}
}

/* ---- the rest ------------------------------------------------------------------------------ */

void dt_mcp_server_free(struct dt_mcp_server *s)
{
	if (!s)
		return;
	while (s->pending) {
		struct pending *p = s->pending;

		unlink_pending(p);
		free(p);
	}
	stop(s);
	dt_mcp_tools_free(s->tools, s->n_tools);
	dt_mcp_tools_free(s->new_tools, s->n_new);
	dt_sb_release(&s->rbuf);
	dt_sb_release(&s->errtail);
	dt_sb_release(&s->name);
	dt_sb_release(&s->version);
	dt_sb_release(&s->error);
	dt_sb_release(&s->start_err);
	free(s->conf.name);
	free_list(s->conf.argv);
	free_list(s->conf.env);
	free(s->conf.cwd);
	free(s->conf.url);
	free_list(s->conf.headers);
	free(s->conf.origin);
	free(s->workdir);
	free(s->session);
	free(s);
}

int dt_mcp_server_ready(const struct dt_mcp_server *s)
{
	return s->ready;
}

const char *dt_mcp_server_name(const struct dt_mcp_server *s)
{
	return s->conf.name;
}

const char *dt_mcp_server_info(const struct dt_mcp_server *s)
{
	return s->name.buf ? s->name.buf : "";
}

const char *dt_mcp_server_version(const struct dt_mcp_server *s)
{
	return s->version.buf ? s->version.buf : "";
}

const char *dt_mcp_server_error(const struct dt_mcp_server *s)
{
	return s->error.buf ? s->error.buf : "";
}

const struct dt_mcp_server_conf *dt_mcp_server_conf(const struct dt_mcp_server *s)
{
	return &s->conf;
}

const struct dt_mcp_tool *dt_mcp_server_tools(const struct dt_mcp_server *s, size_t *n)
{
	*n = s->n_tools;
	return s->tools;
}

unsigned dt_mcp_server_generation(const struct dt_mcp_server *s)
{
	return s->generation;
}
