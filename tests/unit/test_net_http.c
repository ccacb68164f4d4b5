/*
 * The net thread's HTTP client against local servers: tests/net/server.py
 * (HTTP/1.1, aiohttp) and tests/net/h2_server.js (HTTP/2 over TLS, node)
 * with a certificate made at test time by tests/net/mkcert.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <strings.h>
#include <sys/stat.h>

#include "../net/harness.h"
#include "duoterm/core/strbuf.h"
#include "duoterm/net/http.h"
#include "duoterm/net/net.h"

#define PY "/usr/bin/python3"

static struct {
	struct h_server py, h2;
	int have_py, have_h2;
	char tmp[64], ca[128], other_ca[128];
} G;

/* ---- recording one request's events ------------------------------------ */

struct rec {
	int heads, bodies, done, order_ok;
	long status;
	int version;
	struct dt_sb headers; /* "name: value\n"... */
	int set_cookies;
	struct dt_sb body;
	int result, cancelled;
	char error[512];
	long connects;
	uint64_t body_bytes, first_body_ms, done_ms;
	int pattern_ok;   /* body matched server.py's pattern() so far */
	uint64_t checked; /* bytes checked against it */
	int check_pattern;
};

static void rec_init(struct rec *r)
{
	memset(r, 0, sizeof(*r));
	r->order_ok = 1;
	r->pattern_ok = 1;
}

static void rec_release(struct rec *r)
{
	dt_sb_release(&r->headers);
	dt_sb_release(&r->body);
}

static void on_http(const struct dt_http_event *ev, void *ud)
{
	struct rec *r = ud;
	size_t i;

	if (r->done)
		r->order_ok = 0; /* nothing after DONE */
	switch (ev->type) {
	case DT_HTTP_HEAD:
		if (r->heads || r->bodies)
			r->order_ok = 0;
		r->heads++;
		r->status = ev->status;
		r->version = ev->http_version;
		for (i = 0; i < ev->n_headers; i++) {
			dt_sb_addf(&r->headers, "%s: %s\n", ev->headers[i].name,
			           ev->headers[i].value);
			if (!strcasecmp(ev->headers[i].name, "set-cookie"))
				r->set_cookies++;
		}
		break;
	case DT_HTTP_BODY:
		if (!r->heads)
			r->order_ok = 0;
		if (!r->bodies++)
			r->first_body_ms = h_now_ms();
		if (r->check_pattern) {
			for (i = 0; i < ev->len; i++, r->checked++)
				if ((unsigned char)ev->data[i] != (r->checked * 31 + 7) % 251)
					r->pattern_ok = 0;
		} else {
			dt_sb_add(&r->body, ev->data, ev->len);
		}
		if (ev->data[ev->len] != '\0')
			r->order_ok = 0;
		break;
	case DT_HTTP_DONE:
		r->done = 1;
		r->done_ms = h_now_ms();
		r->result = ev->result;
		r->cancelled = ev->cancelled;
		r->connects = ev->connects;
		r->body_bytes = ev->body_bytes;
		if (!r->status)
			r->status = ev->status;
		snprintf(r->error, sizeof(r->error), "%s", ev->error);
		break;
	}
}

static const char *rec_header(struct rec *r, const char *name)
{
	static char value[256];
	const char *p = r->headers.buf;
	size_t n = strlen(name);

	while (p && *p) {
		const char *eol = strchr(p, '\n');

		if (!strncasecmp(p, name, n) && p[n] == ':') {
			snprintf(value, sizeof(value), "%.*s", (int)(eol - p - n - 2), p + n + 2);
			return value;
		}
		p = eol + 1;
	}
	return NULL;
}

/* ---- fixtures ----------------------------------------------------------- */

static int group_setup(void **state)
{
	char script[512], cmd[1024];
	(void)state;

	snprintf(G.tmp, sizeof(G.tmp), "/tmp/dt-net-http-XXXXXX");
	if (!mkdtemp(G.tmp))
		return -1;
	snprintf(G.ca, sizeof(G.ca), "%s/cert.pem", G.tmp);
	snprintf(G.other_ca, sizeof(G.other_ca), "%s/other/cert.pem", G.tmp);
	snprintf(cmd, sizeof(cmd),
	         "sh %s/tests/net/mkcert.sh %s && mkdir -p %s/other && sh %s/tests/net/mkcert.sh "
	         "%s/other",
	         h_srcdir(), G.tmp, G.tmp, h_srcdir(), G.tmp);
	int have_certs = h_have("openssl version") && system(cmd) == 0;

	if (h_have(PY " -c 'import aiohttp'")) {
		snprintf(script, sizeof(script), "%s/tests/net/server.py", h_srcdir());
		char *argv[] = {(char *)PY, script, NULL};

		G.have_py = h_server_start(&G.py, argv) == 0;
	}
	if (have_certs && h_have("node --version")) {
		snprintf(script, sizeof(script), "%s/tests/net/h2_server.js", h_srcdir());
		char node[] = "/usr/bin/node";
		char *argv[] = {node, script, G.tmp, NULL};

		G.have_h2 = h_server_start(&G.h2, argv) == 0;
	}
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[256];
	(void)state;

	h_server_stop(&G.py);
	h_server_stop(&G.h2);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", G.tmp);
	return system(cmd) == 0 ? 0 : -1;
}

#define NEED_PY()                                                                                  \
	do {                                                                                       \
		if (!G.have_py) {                                                                  \
			print_message("no python3-aiohttp server\n");                              \
			skip();                                                                    \
		}                                                                                  \
	} while (0)
#define NEED_H2()                                                                                  \
	do {                                                                                       \
		if (!G.have_h2) {                                                                  \
			print_message("no node HTTP/2 server or openssl\n");                       \
			skip();                                                                    \
		}                                                                                  \
	} while (0)

struct env {
	struct h_main m;
	struct dt_net *net;
};

static void env_start(struct env *e, size_t cap, const struct dt_net_opts *o)
{
	assert_int_equal(h_main_init(&e->m, cap), 0);
	e->net = dt_net_start(&e->m.q, o);
	assert_non_null(e->net);
}

static void env_stop(struct env *e)
{
	dt_net_stop(e->net);
	h_main_release(&e->m); /* frees what was never dispatched */
}

static void url(char *buf, size_t n, const char *scheme, int port, const char *path)
{
	snprintf(buf, n, "%s://127.0.0.1:%d%s", scheme, port, path);
}

/* Runs one request to completion (bounded), recording it in r. */
static void fetch(struct env *e, struct dt_http_request *req, struct rec *r, int timeout_ms)
{
	dt_net_id id = 0;

	rec_init(r);
	assert_int_equal(dt_http_start(e->net, req, on_http, r, &id), 0);
	assert_true(id != 0);
	assert_int_equal(h_main_until(&e->m, &r->done, timeout_ms), 0);
	assert_true(r->order_ok);
}

/* ---- tests -------------------------------------------------------------- */

static void test_get_headers_and_body(void **state)
{
	struct dt_http_request req = DT_HTTP_REQUEST_INIT;
	struct env e;
	struct rec r;
	char u[128];
	(void)state;

	NEED_PY();
	env_start(&e, 0, NULL);
	url(u, sizeof(u), "http", G.py.port, "/hello");
	req.url = u;
	fetch(&e, &req, &r, 5000);
	assert_int_equal(r.result, CURLE_OK);
	assert_string_equal(r.error, "");
	assert_int_equal(r.status, 200);
	assert_int_equal(r.version, 11);
	assert_int_equal(r.heads, 1);
	assert_string_equal(r.body.buf, "hello world");
	assert_string_equal(rec_header(&r, "x-custom"), "yes");
	assert_int_equal(r.set_cookies, 2);
	assert_int_equal(r.body_bytes, 11);
	rec_release(&r);
	env_stop(&e);
}

static void test_chunked_body_streamed(void **state)
{
	struct dt_http_request req = DT_HTTP_REQUEST_INIT;
	struct env e;
	struct rec r;
	char u[128];
	(void)state;

	NEED_PY();
	env_start(&e, 0, NULL);
	url(u, sizeof(u), "http", G.py.port, "/chunked?n=6&delay_ms=80");
	req.url = u;
	fetch(&e, &req, &r, 5000);
	assert_int_equal(r.result, CURLE_OK);
	assert_string_equal(r.body.buf, "chunk 0\nchunk 1\nchunk 2\nchunk 3\nchunk 4\nchunk 5\n");
	/* chunks arrived as the server wrote them, not all at the end */
	assert_true(r.bodies >= 4);
	assert_true(r.done_ms - r.first_body_ms >= 250);
	assert_string_equal(rec_header(&r, "transfer-encoding"), "chunked");
	rec_release(&r);
	env_stop(&e);
}

static void test_gzip_decoded(void **state)
{
	struct dt_http_request req = DT_HTTP_REQUEST_INIT;
	struct env e;
	struct rec r;
	char u[128];
	(void)state;

	NEED_PY();
	env_start(&e, 0, NULL);
	url(u, sizeof(u), "http", G.py.port, "/gzip");
	req.url = u;
	fetch(&e, &req, &r, 5000);
	assert_int_equal(r.result, CURLE_OK);
	assert_non_null(strstr(rec_header(&r, "x-seen-accept-encoding"), "gzip"));
	assert_string_equal(rec_header(&r, "content-encoding"), "gzip");
	assert_int_equal(r.body.len, atoi(rec_header(&r, "x-plain-length")));
	assert_memory_equal(r.body.buf, "compressible text compressible text ", 36);
	rec_release(&r);
	env_stop(&e);
}

static void test_request_headers_sent(void **state)
{
	const char *hdrs[] = {"X-Test: abc", "Authorization: Bearer s3cr3t-t0ken", NULL};
	struct dt_http_request req = DT_HTTP_REQUEST_INIT;
	struct dt_net_opts o = DT_NET_OPTS_INIT;
	struct env e;
	struct rec r;
	char u[128];
	(void)state;

	NEED_PY();
	o.user_agent = "duoterm-test/1";
	env_start(&e, 0, &o);
	url(u, sizeof(u), "http", G.py.port, "/headers");
	req.url = u;
	req.headers = hdrs;
	fetch(&e, &req, &r, 5000);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body.buf, "\"X-Test\": \"abc\""));
	assert_non_null(strstr(r.body.buf, "\"Authorization\": \"Bearer s3cr3t-t0ken\""));
	assert_non_null(strstr(r.body.buf, "\"User-Agent\": \"duoterm-test/1\""));
	assert_non_null(strstr(r.body.buf, "\"method\": \"GET\""));
	rec_release(&r);
	env_stop(&e);
}

static void test_post_put_delete(void **state)
{
	const char *hdrs[] = {"Content-Type: application/json", NULL};
	struct dt_http_request req = DT_HTTP_REQUEST_INIT;
	struct env e;
	struct rec r;
	char u[128];
	(void)state;

	NEED_PY();
	env_start(&e, 0, NULL);
	url(u, sizeof(u), "http", G.py.port, "/echo");
	req.url = u;
	req.headers = hdrs;
	req.body = "{\"a\": 1}";
	req.body_len = 8;
	fetch(&e, &req, &r, 5000);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body.buf, "\"method\": \"POST\""));
	assert_non_null(strstr(r.body.buf, "\"length\": 8"));
	assert_non_null(strstr(r.body.buf, "\"content_type\": \"application/json\""));
	rec_release(&r);

	req.method = "PUT";
	fetch(&e, &req, &r, 5000);
	assert_non_null(strstr(r.body.buf, "\"method\": \"PUT\""));
	assert_non_null(strstr(r.body.buf, "\"length\": 8"));
	rec_release(&r);

	req.method = "DELETE";
	req.body = NULL;
	req.body_len = 0;
	fetch(&e, &req, &r, 5000);
	assert_non_null(strstr(r.body.buf, "\"method\": \"DELETE\""));
	assert_non_null(strstr(r.body.buf, "\"length\": 0"));
	rec_release(&r);

	/* a body with a zero byte in it, and 2 MiB of it (no Expect wait) */
	{
		size_t n = 2u << 20;
		char *big = dt_xcalloc(1, n);
		uint64_t t0 = h_now_ms();

		req.method = NULL;
		req.body = big;
		req.body_len = n;
		fetch(&e, &req, &r, 10000);
		assert_non_null(strstr(r.body.buf, "\"length\": 2097152"));
		assert_true(h_now_ms() - t0 < 900);
		rec_release(&r);
		free(big);
	}
	env_stop(&e);
}

static void test_connection_reused(void **state)
{
	struct dt_http_request req = DT_HTTP_REQUEST_INIT;
	struct env e;
	struct rec r;
	char u[128];
	(void)state;

	NEED_PY();
	env_start(&e, 0, NULL);
	url(u, sizeof(u), "http", G.py.port, "/hello");
	req.url = u;
	fetch(&e, &req, &r, 5000);
	assert_int_equal(r.connects, 1);
	rec_release(&r);
	fetch(&e, &req, &r, 5000);
	assert_int_equal(r.result, CURLE_OK);
	assert_int_equal(r.connects, 0); /* the first one's connection */
	rec_release(&r);
	env_stop(&e);
}

static void test_total_timeout(void **state)
{
	struct dt_http_request req = DT_HTTP_REQUEST_INIT;
	struct env e;
	struct rec r;
	char u[128];
	uint64_t t0;
	(void)state;

	NEED_PY();
	env_start(&e, 0, NULL);
	url(u, sizeof(u), "http", G.py.port, "/slow?ms=3000");
	req.url = u;
	req.total_timeout_ms = 300;
	t0 = h_now_ms();
	fetch(&e, &req, &r, 5000);
	assert_int_equal(r.result, CURLE_OPERATION_TIMEDOUT);
	assert_true(h_now_ms() - t0 < 2000);
	assert_int_equal(r.heads, 0);
	assert_true(strlen(r.error) > 0);
	rec_release(&r);
	env_stop(&e);
}

static void test_idle_timeout(void **state)
{
	struct dt_http_request req = DT_HTTP_REQUEST_INIT;
	struct env e;
	struct rec r;
	char u[128];
	uint64_t t0;
	(void)state;

	NEED_PY();
	env_start(&e, 0, NULL);
	url(u, sizeof(u), "http", G.py.port, "/stall?ms=3000");
	req.url = u;
	req.idle_timeout_ms = 300;
	t0 = h_now_ms();
	fetch(&e, &req, &r, 5000);
	assert_int_equal(r.result, CURLE_OPERATION_TIMEDOUT);
	assert_non_null(strstr(r.error, "Idle timeout"));
	assert_true(h_now_ms() - t0 < 2000);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body.buf, "partial");
	rec_release(&r);
	env_stop(&e);
}

static void test_connection_refused(void **state)
{
	struct dt_http_request req = DT_HTTP_REQUEST_INIT;
	struct env e;
	struct rec r;
	char u[128];
	(void)state;

	env_start(&e, 0, NULL);
	url(u, sizeof(u), "http", h_dead_port(), "/");
	req.url = u;
	fetch(&e, &req, &r, 5000);
	assert_int_equal(r.result, CURLE_COULDNT_CONNECT);
	assert_int_equal(r.heads, 0);
	assert_int_equal(r.status, 0);
	print_message("refused: %s\n", r.error);
	assert_non_null(strcasestr(r.error, "refused"));
	assert_non_null(strstr(r.error, "127.0.0.1"));
	rec_release(&r);
	env_stop(&e);
}

static void test_cancel(void **state)
{
	struct dt_http_request req = DT_HTTP_REQUEST_INIT;
	struct env e;
	struct rec r;
	dt_net_id id;
	char u[128];
	uint64_t t0;
	(void)state;

	NEED_PY();
	env_start(&e, 0, NULL);
	url(u, sizeof(u), "http", G.py.port, "/slow?ms=5000");
	req.url = u;
	rec_init(&r);
	t0 = h_now_ms();
	assert_int_equal(dt_http_start(e.net, &req, on_http, &r, &id), 0);
	h_main_run(&e.m, 100);
	assert_int_equal(dt_http_cancel(e.net, id), 0);
	assert_int_equal(h_main_until(&e.m, &r.done, 2000), 0);
	assert_true(h_now_ms() - t0 < 1000);
	assert_int_equal(r.cancelled, 1);
	assert_int_equal(r.result, CURLE_ABORTED_BY_CALLBACK);
	assert_string_equal(r.error, "cancelled");
	/* cancelling again, or an id that never was, is harmless */
	assert_int_equal(dt_http_cancel(e.net, id), 0);
	assert_int_equal(dt_http_cancel(e.net, 999999), 0);
	h_main_run(&e.m, 50);
	assert_true(r.order_ok);
	rec_release(&r);
	env_stop(&e);
}

static void test_bad_requests(void **state)
{
	struct dt_http_request req = DT_HTTP_REQUEST_INIT;
	struct env e;
	struct rec r;
	(void)state;

	env_start(&e, 0, NULL);
	assert_int_equal(dt_http_start(e.net, &req, on_http, &r, NULL), -EINVAL);
	req.url = "http://127.0.0.1:1/";
	assert_int_equal(dt_http_start(e.net, &req, NULL, &r, NULL), -EINVAL);
	req.url = "ftp://127.0.0.1/file";
	fetch(&e, &req, &r, 5000);
	assert_int_equal(r.result, CURLE_UNSUPPORTED_PROTOCOL);
	rec_release(&r);
	env_stop(&e);
}

static void test_h2_with_custom_ca(void **state)
{
	struct dt_http_request req = DT_HTTP_REQUEST_INIT;
	struct dt_net_opts o = DT_NET_OPTS_INIT;
	struct env e;
	struct rec r;
	char u[128];
	(void)state;

	NEED_H2();
	o.ca_file = G.ca;
	env_start(&e, 0, &o);
	url(u, sizeof(u), "https", G.h2.port, "/hello");
	req.url = u;
	fetch(&e, &req, &r, 5000);
	assert_int_equal(r.result, CURLE_OK);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.version, 20);
	assert_string_equal(rec_header(&r, "x-proto"), "2.0");
	assert_string_equal(r.body.buf, "hello h2");
	rec_release(&r);

	/* DT_HTTP_HTTP1 keeps to HTTP/1.1 over the same TLS */
	req.flags = DT_HTTP_HTTP1;
	fetch(&e, &req, &r, 5000);
	assert_int_equal(r.version, 11);
	assert_string_equal(rec_header(&r, "x-proto"), "1.1");
	rec_release(&r);
	env_stop(&e);
}

static void test_h2_multiplexed(void **state)
{
	struct dt_http_request req = DT_HTTP_REQUEST_INIT;
	struct dt_net_opts o = DT_NET_OPTS_INIT;
	struct rec r[4];
	struct env e;
	char u[128];
	int i, all = 0;
	long connects = 0;
	(void)state;

	NEED_H2();
	o.ca_file = G.ca;
	env_start(&e, 0, &o);
	url(u, sizeof(u), "https", G.h2.port, "/slow?ms=300");
	req.url = u;
	for (i = 0; i < 4; i++) {
		rec_init(&r[i]);
		assert_int_equal(dt_http_start(e.net, &req, on_http, &r[i], NULL), 0);
	}
	for (i = 0; i < 4; i++)
		assert_int_equal(h_main_until(&e.m, &r[i].done, 5000), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(r[i].result, CURLE_OK);
		assert_int_equal(r[i].version, 20);
		connects += r[i].connects;
		all += r[i].status == 200;
		rec_release(&r[i]);
	}
	assert_int_equal(all, 4);
	assert_int_equal(connects, 1); /* four streams, one connection */
	env_stop(&e);
}

static void test_tls_fails_without_ca(void **state)
{
	struct dt_http_request req = DT_HTTP_REQUEST_INIT;
	struct dt_net_opts o = DT_NET_OPTS_INIT;
	struct env e;
	struct rec r;
	char u[128];
	(void)state;

	NEED_H2();
	o.ca_file = G.other_ca; /* a valid bundle that does not vouch for the server */
	env_start(&e, 0, &o);
	url(u, sizeof(u), "https", G.h2.port, "/hello");
	req.url = u;
	fetch(&e, &req, &r, 5000);
	print_message("tls: %s\n", r.error);
	assert_int_equal(r.result, CURLE_PEER_FAILED_VERIFICATION);
	assert_non_null(strcasestr(r.error, "certificate"));
	assert_int_equal(r.heads, 0);
	rec_release(&r);

	/* insecure per request gets through */
	req.flags = DT_HTTP_INSECURE;
	fetch(&e, &req, &r, 5000);
	assert_int_equal(r.result, CURLE_OK);
	rec_release(&r);
	env_stop(&e);
}

static void test_ssl_cert_file_env(void **state)
{
	struct dt_http_request req = DT_HTTP_REQUEST_INIT;
	struct env e;
	struct rec r;
	char u[128];
	(void)state;

	NEED_H2();
	setenv("SSL_CERT_FILE", G.ca, 1);
	env_start(&e, 0, NULL); /* the environment is read here */
	unsetenv("SSL_CERT_FILE");
	url(u, sizeof(u), "https", G.h2.port, "/hello");
	req.url = u;
	fetch(&e, &req, &r, 5000);
	assert_int_equal(r.result, CURLE_OK);
	assert_string_equal(r.body.buf, "hello h2");
	rec_release(&r);
	env_stop(&e);
}

static void clear_proxy_env(void)
{
	const char *vars[] = {"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy",
	                      "ALL_PROXY",  "no_proxy",    "NO_PROXY",    NULL};
	int i;

	for (i = 0; vars[i]; i++)
		unsetenv(vars[i]);
}

static void test_proxy_from_env(void **state)
{
	struct dt_http_request req = DT_HTTP_REQUEST_INIT;
	char proxy[64], dead[64], u[128];
	struct env e;
	struct rec r;
	(void)state;

	NEED_PY();
	NEED_H2();
	clear_proxy_env();
	/* http_proxy: server.py answers as a forward proxy would */
	snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%d", G.py.port);
	setenv("http_proxy", proxy, 1);
	env_start(&e, 0, NULL);
	req.url = "http://example.invalid/proxy-check";
	fetch(&e, &req, &r, 5000);
	assert_int_equal(r.result, CURLE_OK);
	assert_non_null(strstr(r.body.buf, "\"host\": \"example.invalid\""));
	assert_non_null(strstr(r.body.buf, "\"path\": \"/proxy-check\""));
	rec_release(&r);
	env_stop(&e);
	clear_proxy_env();

	/* HTTPS_PROXY (uppercase) is honoured for https://, NO_PROXY too */
	snprintf(dead, sizeof(dead), "http://127.0.0.1:%d", h_dead_port());
	setenv("HTTPS_PROXY", dead, 1);
	env_start(&e, 0, NULL);
	url(u, sizeof(u), "https", G.h2.port, "/hello");
	req.url = u;
	req.flags = DT_HTTP_INSECURE;
	fetch(&e, &req, &r, 5000);
	print_message("via dead proxy: %s\n", r.error);
	assert_int_equal(r.result, CURLE_COULDNT_CONNECT);
	rec_release(&r);
	env_stop(&e);

	setenv("NO_PROXY", "localhost,127.0.0.1", 1);
	env_start(&e, 0, NULL);
	fetch(&e, &req, &r, 5000);
	assert_int_equal(r.result, CURLE_OK);
	rec_release(&r);
	env_stop(&e);
	clear_proxy_env();

	/* and the option beats the environment */
	{
		struct dt_net_opts o = DT_NET_OPTS_INIT;

		setenv("HTTPS_PROXY", dead, 1);
		o.proxy = "";
		env_start(&e, 0, &o);
		fetch(&e, &req, &r, 5000);
		assert_int_equal(r.result, CURLE_OK);
		rec_release(&r);
		env_stop(&e);
		clear_proxy_env();
	}
}

/* A tiny to_main: the net thread must pause transfers, lose nothing and keep
 * the order, whatever the main thread's pace. */
static void backpressure(const char *scheme, int port, size_t size)
{
	struct dt_http_request req = DT_HTTP_REQUEST_INIT;
	struct dt_net_opts o = DT_NET_OPTS_INIT;
	struct dt_net_stats st;
	struct env e;
	struct rec r;
	char u[128], path[64];
	int i;

	o.ca_file = G.ca;
	env_start(&e, 2, &o);
	snprintf(path, sizeof(path), "/big?size=%zu", size);
	url(u, sizeof(u), scheme, port, path);
	req.url = u;
	rec_init(&r);
	r.check_pattern = 1;
	assert_int_equal(dt_http_start(e.net, &req, on_http, &r, NULL), 0);
	/* a slow main thread first, then a normal one */
	for (i = 0; i < 100 && !r.done; i++) {
		h_sleep_ms(2);
		h_main_pump(&e.m, 0);
	}
	assert_int_equal(h_main_until(&e.m, &r.done, 20000), 0);
	dt_net_get_stats(e.net, &st);
	print_message(
	    "heads %d; %s %zu bytes: %d body events, %llu stalls, %llu pauses, outbox peak %llu\n",
	    r.heads, scheme, size, r.bodies, (unsigned long long)st.stalls,
	    (unsigned long long)st.http_paused, (unsigned long long)st.outbox_peak);
	assert_int_equal(r.result, CURLE_OK);
	assert_true(r.order_ok);
	assert_true(r.pattern_ok);
	assert_int_equal(r.checked, size);
	assert_int_equal(r.body_bytes, size);
	assert_true(st.stalls > 0);
	assert_true(st.http_paused > 0);
	assert_true(st.outbox_peak < 16); /* paused, not buffered */
	assert_int_equal(st.outbox_len, 0);
	rec_release(&r);
	env_stop(&e);
}

static void test_backpressure_h1(void **state)
{
	(void)state;
	NEED_PY();
	backpressure("http", G.py.port, 8u << 20);
}

static void test_backpressure_h2(void **state)
{
	(void)state;
	NEED_H2();
	backpressure("https", G.h2.port, 4u << 20);
}

static void test_stop_with_transfers_running(void **state)
{
	struct dt_http_request req = DT_HTTP_REQUEST_INIT;
	struct env e;
	struct rec r1, r2;
	char u1[128], u2[128];
	uint64_t t0;
	(void)state;

	NEED_PY();
	env_start(&e, 2, NULL);
	url(u1, sizeof(u1), "http", G.py.port, "/slow?ms=5000");
	url(u2, sizeof(u2), "http", G.py.port, "/big?size=8388608");
	rec_init(&r1);
	rec_init(&r2);
	req.url = u1;
	assert_int_equal(dt_http_start(e.net, &req, on_http, &r1, NULL), 0);
	req.url = u2;
	assert_int_equal(dt_http_start(e.net, &req, on_http, &r2, NULL), 0);
	h_sleep_ms(200); /* the second one is paused on a full to_main now */
	t0 = h_now_ms();
	dt_net_stop(e.net);
	assert_true(h_now_ms() - t0 < 1000);
	h_main_release(&e.m);
	assert_int_equal(r1.done + r2.done, 0); /* nothing was dispatched */
	rec_release(&r1);
	rec_release(&r2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_get_headers_and_body),
	    cmocka_unit_test(test_chunked_body_streamed),
	    cmocka_unit_test(test_gzip_decoded),
	    cmocka_unit_test(test_request_headers_sent),
	    cmocka_unit_test(test_post_put_delete),
	    cmocka_unit_test(test_connection_reused),
	    cmocka_unit_test(test_total_timeout),
	    cmocka_unit_test(test_idle_timeout),
	    cmocka_unit_test(test_connection_refused),
	    cmocka_unit_test(test_cancel),
	    cmocka_unit_test(test_bad_requests),
	    cmocka_unit_test(test_h2_with_custom_ca),
	    cmocka_unit_test(test_h2_multiplexed),
	    cmocka_unit_test(test_tls_fails_without_ca),
	    cmocka_unit_test(test_ssl_cert_file_env),
	    cmocka_unit_test(test_proxy_from_env),
	    cmocka_unit_test(test_backpressure_h1),
	    cmocka_unit_test(test_backpressure_h2),
	    cmocka_unit_test(test_stop_with_transfers_running),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
