#include "duoterm/ui/login.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "duoterm/core/log.h"
#include "duoterm/gitlab/auth.h"
#include "duoterm/gitlab/client.h"
#include "duoterm/gitlab/model.h"
#include "duoterm/net/listen.h"
#include "duoterm/ui/runtime.h"

struct login {
	struct dt_config *cfg;
	struct dt_runtime rt;
	struct dt_gl_client gl;
	struct dt_gl_creds creds;
	const char *instance;
	int pending, failed;
	char *user, *scopes;
	/* OAuth: the callback server (net/listen.h) */
	dt_net_id lid;
	int listening;
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

/* Pages for the browser: fixed text, nothing of the request echoed. */
static void answer(struct login *l, uint64_t req, int status, const char *text)
{
	struct dt_sb html = DT_SB_INIT;

	dt_sb_addf(&html, "<!DOCTYPE html><title>duoterm</title><p>%s</p>\n", text);
	if (dt_listen_answer(l->rt.net, l->lid, req, status, "text/html; charset=utf-8", html.buf))
		dt_debug("login", "cannot answer the browser");
	dt_sb_release(&html);
}

static const char *callback_path(const char *redirect)
{
	const char *p = strstr(redirect, "://");

	p = p ? strchr(p + 3, '/') : NULL;
	return p ? p : "/";
}

/*
 * One request to the callback server.  The first good answer wins; later
 * ones are ignored.  A wrong state (someone else's code, or a forged link)
 * is refused and the wait goes on; GitLab's error= ends it, shown as GitLab
 * gave it.
 */
static void on_request(struct login *l, const struct dt_listen_event *ev)
{
	struct dt_sb line = DT_SB_INIT, err = DT_SB_INIT;
	char *code = NULL, *state = NULL;

	dt_sb_addf(&line, "%s %s%s%s HTTP/1.1", ev->method, ev->path, *ev->query ? "?" : "",
		   ev->query);
	if (l->code || l->failed || l->pending <= 0) {
		answer(l, ev->req, 409, "This sign-in is over; the request was ignored.");
		fputs("duoterm: another callback came after the sign-in ended: ignored\n", stderr);
	} else if (dt_gl_oauth_parse_callback(line.buf, callback_path(l->redirect_uri), &code,
					      &state, &err)) {
		if (!strcmp(err.buf, "not the OAuth callback")) { /* favicon ... */
			answer(l, ev->req, 404, "Not found.");
		} else if (!strncmp(err.buf, "GitLab said", 11)) {
			answer(l, ev->req, 400, "Sign-in failed; see the terminal.");
			fprintf(stderr, "duoterm: %s\n", err.buf);
			l->failed = 1;
			l->pending = 0;
		} else {
			answer(l, ev->req, 400, "This is not a sign-in answer; it was refused.");
			fprintf(stderr, "duoterm: %s: refused; still waiting\n", err.buf);
		}
	} else if (strcmp(state, l->pkce.state)) {
		answer(l, ev->req, 400, "This sign-in answer is not for this sign-in; it was refused.");
		fputs("duoterm: a callback with the wrong state was refused; still waiting\n", stderr);
	} else {
		answer(l, ev->req, 200, "Signed in. You can close this tab and go back to the "
					"terminal.");
		l->code = code;
		code = NULL;
		l->pending = 0;
	}
	free(code);
	free(state);
	dt_sb_release(&err);
	dt_sb_release(&line);
}

static void on_listen(const struct dt_listen_event *ev, void *ud)
{
	struct login *l = ud;

	switch (ev->type) {
	case DT_LISTEN_READY:
		l->listening = 1;
		l->pending = 0;
		break;
	case DT_LISTEN_ERROR:
		fprintf(stderr, "duoterm: %s (use --port)\n", ev->error);
		l->lid = 0;
		l->failed = 1;
		l->pending = 0;
		break;
	case DT_LISTEN_CLOSED:
		l->lid = 0;
		l->pending = 0;
		break;
	case DT_LISTEN_REQUEST:
		on_request(l, ev);
		break;
	}
}

static void on_close_timeout(struct dt_loop *loop, void *ud)
{
	struct login *l = ud;

	(void)loop;
	l->pending = 0;
}

/* Closes the callback server once its last page is written (a browser
 * that gets no answer shows an error), waiting at most 2 s. */
static void close_server(struct login *l)
{
	uint64_t t;

	if (!l->lid || dt_listen_close(l->rt.net, l->lid))
		return;
	l->pending = 1;
	t = dt_loop_add_timer(&l->rt.loop, 2000, on_close_timeout, l);
	run_until_done(l);
	dt_loop_cancel_timer(&l->rt.loop, t);
}

static void on_browser_timeout(struct dt_loop *loop, void *ud)
{
	struct login *l = ud;

	(void)loop;
	if (!l->pending || !l->listening)
		return;
	fputs("duoterm: no answer from the browser within 120 s\n", stderr);
	l->failed = 1;
	l->pending = 0;
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
	int port = oauth_port(opt_port, cb), rc;

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
	/* the callback server runs on the net thread; wait until it listens */
	l->pending = 1;
	if (dt_listen_open(l->rt.net, "127.0.0.1", port, on_listen, l, &l->lid)) {
		fputs("duoterm: cannot start the callback server\n", stderr);
		return 1;
	}
	run_until_done(l);
	if (l->failed)
		return 1;
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
	dt_loop_add_timer(&l->rt.loop, 120000, on_browser_timeout, l);
	run_until_done(l);
	if (l->failed || !l->code || exchange(l, client_id, secret)) {
		rc = 1;
	} else {
		l->creds.client_id = dt_xstrdup(client_id);
		rc = validate(l, l->creds.token, DT_GL_TOKEN_OAUTH) ? 1 : store(l);
	}
	close_server(l);
	return rc;
}

/* ---- the commands ---- */

static void login_release(struct login *l)
{
	if (l->rt.net)
		dt_runtime_release(&l->rt);
	if (l->gl.api)
		dt_gl_client_release(&l->gl);
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
	struct login l = {.cfg = cfg};
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
