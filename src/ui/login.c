#include "duoterm/ui/login.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "duoterm/core/log.h"
#include "duoterm/gitlab/auth.h"
#include "duoterm/gitlab/client.h"
#include "duoterm/gitlab/model.h"
#include "duoterm/ui/runtime.h"

struct login {
	struct dt_config *cfg;
	struct dt_runtime rt;
	struct dt_gl_client gl;
	struct dt_gl_creds creds;
	const char *instance;
	int pending, failed;
	char *user, *scopes;
	/* OAuth */
	int listen_fd;
	struct dt_gl_pkce pkce;
	char *redirect_uri, *code;
	long token_status;
	struct dt_sb token_resp;
	int waiting_browser;
};

/* ---- reading the token ---- */

static char *read_secret_line(int fd)
{
	struct dt_sb sb = DT_SB_INIT;
	char c;

	while (read(fd, &c, 1) == 1 && c != '\n')
		if (c != '\r')
			dt_sb_addc(&sb, c);
	while (sb.len && (sb.buf[sb.len - 1] == ' ' || sb.buf[sb.len - 1] == '\t'))
		dt_sb_truncate(&sb, sb.len - 1);
	return dt_sb_detach(&sb, NULL);
}

static char *prompt_token(int from_stdin)
{
	struct termios old, quiet;
	int tty = !from_stdin && isatty(0);
	char *t;

	if (tty) {
		fputs("GitLab personal access token (input hidden): ", stderr);
		fflush(stderr);
		tcgetattr(0, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		tcsetattr(0, TCSAFLUSH, &quiet);
	}
	t = read_secret_line(0);
	if (tty) {
		tcsetattr(0, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	return t;
}

/* ---- checking it ---- */

static void run_until_done(struct login *l)
{
	while (l->pending > 0 && !l->rt.loop.quit)
		if (dt_loop_run_once(&l->rt.loop, -1))
			break;
}

static void on_user(const struct dt_gl_response *r, void *ud)
{
	struct login *l = ud;
	struct dt_gl_user u;

	l->pending--;
	if (r->error) {
		fprintf(stderr, "duoterm: %s\n", r->error);
		l->failed = 1;
		return;
	}
	if (!dt_gl_parse_user(r->body, r->len, &u)) {
		l->user = dt_xstrdup(u.username);
		dt_gl_user_release(&u);
	}
}

static void on_self(const struct dt_gl_response *r, void *ud)
{
	struct login *l = ud;
	cJSON *root, *s;
	struct dt_sb sb = DT_SB_INIT;

	l->pending--;
	if (r->error)
		return; /* OAuth tokens and older instances: no scopes to show */
	root = cJSON_ParseWithLength(r->body, r->len);
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(root, "scopes"))
		if (cJSON_IsString(s))
			dt_sb_addf(&sb, "%s%s", sb.len ? ", " : "", s->valuestring);
	if (sb.len)
		l->scopes = dt_sb_detach(&sb, NULL);
	dt_sb_release(&sb);
	cJSON_Delete(root);
}

static int validate(struct login *l, const char *token, enum dt_gl_token_kind kind)
{
	dt_gl_client_init(&l->gl, l->rt.net, l->instance, NULL, "the token given");
	dt_gl_client_set_token(&l->gl, token, kind);
	l->pending = 2;
	if (dt_gl_get(&l->gl, "/user", on_user, l))
		l->pending--;
	if (dt_gl_get(&l->gl, "/personal_access_tokens/self", on_self, l))
		l->pending--;
	run_until_done(l);
	return l->failed || !l->user ? -1 : 0;
}

static int store(struct login *l)
{
	int rc;

	free(l->creds.user);
	l->creds.user = dt_xstrdup(l->user);
	rc = dt_gl_creds_save(l->cfg->credentials_file, l->instance, &l->creds);
	if (rc) {
		fprintf(stderr, "duoterm: cannot write %s: %s\n", l->cfg->credentials_file,
			strerror(-rc));
		return 1;
	}
	printf("Signed in to %s as @%s%s%s%s.\nThe token is stored in %s (mode 0600).\n",
	       l->instance, l->user, l->scopes ? " (token scopes: " : "",
	       l->scopes ? l->scopes : "", l->scopes ? ")" : "", l->cfg->credentials_file);
	return 0;
}

static int login_pat(struct login *l, int from_stdin)
{
	char *token = prompt_token(from_stdin);

	if (!*token) {
		free(token);
		fputs("duoterm: no token given\n", stderr);
		return 1;
	}
	dt_secret_register(token);
	l->creds.token = token;
	l->creds.type = dt_xstrdup("pat");
	if (validate(l, token, DT_GL_TOKEN_PAT)) {
		if (!l->failed)
			fputs("duoterm: GitLab did not say who the token belongs to\n", stderr);
		return 1;
	}
	return store(l);
}

/* ---- OAuth ---- */

static int listen_loopback(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 4)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void answer(int fd, int ok, const char *msg)
{
	struct dt_sb sb = DT_SB_INIT;
	const char *html = ok ? "<!DOCTYPE html><title>duoterm</title><p>Signed in. You can close "
				"this tab and go back to the terminal.</p>\n" :
				"<!DOCTYPE html><title>duoterm</title><p>Sign-in failed; see the "
				"terminal.</p>\n";

	(void)msg;
	dt_sb_addf(&sb, "HTTP/1.1 %s\r\nContent-Type: text/html; charset=utf-8\r\n"
		   "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
		   ok ? "200 OK" : "400 Bad Request", strlen(html), html);
	if (write(fd, sb.buf, sb.len) < 0)
		dt_debug("login", "callback answer: %s", strerror(errno));
	dt_sb_release(&sb);
}

static const char *callback_path(const char *redirect)
{
	const char *p = strstr(redirect, "://");

	p = p ? strchr(p + 3, '/') : NULL;
	return p ? p : "/";
}

static void on_callback(struct dt_loop *loop, int fd, short revents, void *ud)
{
	struct login *l = ud;
	char buf[8192], *state = NULL, *code = NULL;
	struct dt_sb err = DT_SB_INIT;
	ssize_t n;
	int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

	(void)revents;
	if (c < 0)
		return;
	n = read(c, buf, sizeof(buf) - 1); /* a browser sends the request line at once */
	buf[n > 0 ? n : 0] = 0;
	if (dt_gl_oauth_parse_callback(buf, callback_path(l->redirect_uri), &code, &state, &err)) {
		answer(c, 0, err.buf);
		close(c);
		if (!strcmp(err.buf, "not the OAuth callback")) { /* favicon ... */
			dt_sb_release(&err);
			return;
		}
		fprintf(stderr, "duoterm: %s\n", err.buf);
		l->failed = 1;
	} else if (strcmp(state, l->pkce.state)) {
		answer(c, 0, NULL);
		close(c);
		fputs("duoterm: the callback's state does not match: ignored\n", stderr);
		l->failed = 1;
	} else {
		answer(c, 1, NULL);
		close(c);
		l->code = code;
		code = NULL;
	}
	free(code);
	free(state);
	dt_sb_release(&err);
	dt_loop_del_fd(loop, fd);
	l->pending = 0;
}

static void on_browser_timeout(struct dt_loop *loop, void *ud)
{
	struct login *l = ud;

	if (!l->pending)
		return;
	fputs("duoterm: no answer from the browser within 120 s\n", stderr);
	l->failed = 1;
	l->pending = 0;
	dt_loop_del_fd(loop, l->listen_fd);
}

static void on_token(const struct dt_http_event *ev, void *ud)
{
	struct login *l = ud;

	if (ev->type == DT_HTTP_HEAD)
		l->token_status = ev->status;
	else if (ev->type == DT_HTTP_BODY)
		dt_sb_add(&l->token_resp, ev->data, ev->len);
	else
		l->pending = 0;
}

static int exchange(struct login *l, const char *client_id, const char *secret)
{
	struct dt_http_request req = DT_HTTP_REQUEST_INIT;
	struct dt_sb url = DT_SB_INIT, body = DT_SB_INIT, err = DT_SB_INIT;
	const char *headers[] = {"Accept: application/json",
				 "Content-Type: application/x-www-form-urlencoded", NULL};
	int rc = -1;

	dt_sb_addf(&url, "%s/oauth/token", l->instance);
	dt_gl_oauth_code_body(&body, client_id, secret, l->code, l->redirect_uri,
			      l->pkce.verifier);
	req.method = "POST";
	req.url = url.buf;
	req.headers = headers;
	req.body = body.buf;
	req.body_len = body.len;
	l->pending = 1;
	if (!dt_http_start(l->rt.net, &req, on_token, l, NULL)) {
		run_until_done(l);
		rc = dt_gl_oauth_parse_token(l->token_resp.buf, l->token_resp.len,
					     (long long)time(NULL), &l->creds, &err);
		if (rc)
			fprintf(stderr, "duoterm: %s (%ld)\n", err.buf, l->token_status);
	}
	explicit_bzero(body.buf, body.len);
	dt_sb_release(&body);
	dt_sb_release(&url);
	dt_sb_release(&err);
	return rc;
}

static int oauth_port(long opt_port, const char *cb_url)
{
	const char *p;

	if (opt_port > 0)
		return (int)opt_port;
	p = cb_url ? strstr(cb_url, "://") : NULL;
	p = p ? strchr(p + 3, ':') : NULL;
	return p ? atoi(p + 1) : 8080;
}

static void open_browser(const char *url)
{
	const char *b = getenv("BROWSER");
	pid_t pid;

	if (!b || !*b)
		return;
	pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);

		dup2(devnull, 1);
		dup2(devnull, 2);
		execlp(b, b, url, (char *)NULL);
		_exit(127);
	}
}

static int login_oauth(struct login *l, long opt_port)
{
	const char *client_id = getenv("GITLAB_OAUTH_APP_ID");
	const char *secret = getenv("GITLAB_OAUTH_APP_SECRET");
	const char *cb = getenv("GITLAB_OAUTH_CALLBACK_URL");
	struct dt_sb url = DT_SB_INIT, redirect = DT_SB_INIT;
	int port = oauth_port(opt_port, cb);

	if (!client_id || !*client_id) {
		fputs("duoterm: OAuth needs an application: set GITLAB_OAUTH_APP_ID (and, for a "
		      "confidential one, GITLAB_OAUTH_APP_SECRET) — register it under User "
		      "settings > Applications with scope api and redirect URI "
		      "http://127.0.0.1:8080/callback\n", stderr);
		return 2;
	}
	if (secret && *secret)
		dt_secret_register(secret);
	if (cb && *cb)
		dt_sb_adds(&redirect, cb);
	else
		dt_sb_addf(&redirect, "http://127.0.0.1:%d/callback", port);
	l->redirect_uri = dt_sb_detach(&redirect, NULL);
	l->listen_fd = listen_loopback(port);
	if (l->listen_fd < 0) {
		fprintf(stderr, "duoterm: cannot listen on 127.0.0.1:%d: %s (use --port)\n", port,
			strerror(errno));
		return 1;
	}
	if (dt_gl_pkce_new(&l->pkce)) {
		fputs("duoterm: no random numbers from OpenSSL\n", stderr);
		return 1;
	}
	dt_gl_oauth_authorize_url(&url, l->instance, client_id, l->redirect_uri, &l->pkce, "api");
	printf("Open this URL in a browser to sign in to %s:\n\n  %s\n\nWaiting for the browser "
	       "on %s ...\n", l->instance, url.buf, l->redirect_uri);
	fflush(stdout);
	open_browser(url.buf);
	dt_sb_release(&url);
	l->pending = 1;
	dt_loop_add_fd(&l->rt.loop, l->listen_fd, POLLIN, on_callback, l);
	dt_loop_add_timer(&l->rt.loop, 120000, on_browser_timeout, l);
	run_until_done(l);
	if (l->failed || !l->code || exchange(l, client_id, secret))
		return 1;
	l->creds.client_id = dt_xstrdup(client_id);
	if (validate(l, l->creds.token, DT_GL_TOKEN_OAUTH))
		return 1;
	return store(l);
}

/* ---- the commands ---- */

static void login_release(struct login *l)
{
	if (l->rt.net)
		dt_runtime_release(&l->rt);
	if (l->gl.api)
		dt_gl_client_release(&l->gl);
	if (l->listen_fd > 0)
		close(l->listen_fd);
	dt_gl_creds_release(&l->creds);
	dt_sb_release(&l->token_resp);
	free(l->user);
	free(l->scopes);
	free(l->redirect_uri);
	free(l->code);
}

static void usage(FILE *f)
{
	fputs("usage: duoterm login [--instance URL] [--token-stdin]\n"
	      "       duoterm login --oauth [--port N] [--instance URL]\n"
	      "       duoterm logout [--instance URL]\n", f);
}

int dt_login_run(struct dt_config *cfg, int argc, char **argv)
{
	static const struct option opts[] = {
		{"instance", required_argument, NULL, 'i'}, {"token-stdin", no_argument, NULL, 's'},
		{"oauth", no_argument, NULL, 'o'},          {"port", required_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},           {0},
	};
	struct login l = {.cfg = cfg, .listen_fd = -1};
	struct dt_sb err = DT_SB_INIT;
	int c, oauth = 0, from_stdin = !isatty(0), rc;
	long port = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "i:sop:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i': dt_config_set(cfg, &cfg->instance_url, optarg); break;
		case 's': from_stdin = 1; break;
		case 'o': oauth = 1; break;
		case 'p': port = strtol(optarg, NULL, 10); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	l.instance = cfg->instance_url;
	if (dt_runtime_init(&l.rt, cfg, &err)) {
		fprintf(stderr, "duoterm: %s\n", err.buf);
		dt_sb_release(&err);
		return 1;
	}
	rc = oauth ? login_oauth(&l, port) : login_pat(&l, from_stdin);
	login_release(&l);
	dt_sb_release(&err);
	return rc;
}

int dt_logout_run(struct dt_config *cfg, int argc, char **argv)
{
	static const struct option opts[] = {
		{"instance", required_argument, NULL, 'i'}, {"help", no_argument, NULL, 'h'}, {0}};
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "i:h", opts, NULL)) != -1) {
		if (c == 'i') {
			dt_config_set(cfg, &cfg->instance_url, optarg);
		} else {
			usage(c == 'h' ? stdout : stderr);
			return c == 'h' ? 0 : 2;
		}
	}
	rc = dt_gl_creds_remove(cfg->credentials_file, cfg->instance_url);
	if (rc == -ENOENT) {
		printf("Not signed in to %s: nothing to remove.\n", cfg->instance_url);
		return 0;
	}
	if (rc) {
		fprintf(stderr, "duoterm: cannot update %s: %s\n", cfg->credentials_file,
			strerror(-rc));
		return 1;
	}
	printf("Signed out of %s: its token is removed from %s.\n", cfg->instance_url,
	       cfg->credentials_file);
	if (getenv("GITLAB_TOKEN"))
		puts("GITLAB_TOKEN is still set in the environment.");
	return 0;
}
