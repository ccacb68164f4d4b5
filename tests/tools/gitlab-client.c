/*
 * Drives the GitLab client (gitlab/client.h), the job log reader
 * (gitlab/trace.h) and the OAuth refresher (gitlab/auth.h) through the real
 * net thread, for tests/integration/gitlab-*.sh.  One JSON object per
 * answer on stdout; the shell script checks them against /__sim/requests.
 *
 *   gitlab-client URL TOKEN get PATH [flags]        flags: cond,all,noretry,raw
 *   gitlab-client URL TOKEN twice PATH              the same conditional GET twice
 *   gitlab-client URL TOKEN cap N COUNT PATH        COUNT GETs at once, at most N in flight
 *   gitlab-client URL TOKEN tail JOB_PATH POLLS MS  tails a job log POLLS times
 *   gitlab-client URL - oauth CREDS COUNT PATH      COUNT GETs with the OAuth token from CREDS
 *   gitlab-client URL - oauth-wait CREDS SECONDS    waits for refreshes before expiry
 * Options before URL: --attempts N --backoff-ms N.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "duoterm/core/audit.h"
#include "duoterm/core/config.h"
#include "duoterm/core/log.h"
#include "duoterm/core/loop.h"
#include "duoterm/gitlab/auth.h"
#include "duoterm/gitlab/client.h"
#include "duoterm/gitlab/trace.h"
#include "duoterm/ui/runtime.h"

static struct dt_runtime rt;
static struct dt_gl_client gl;
static int outstanding;
static unsigned max_running;
static long long t0;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void print_response(const struct dt_gl_response *r, const char *tag)
{
	cJSON *o = cJSON_CreateObject(), *body;
	char *s;

	cJSON_AddStringToObject(o, "tag", tag);
	cJSON_AddNumberToObject(o, "status", (double)r->status);
	cJSON_AddNumberToObject(o, "len", (double)r->len);
	cJSON_AddNumberToObject(o, "attempts", r->attempts);
	cJSON_AddNumberToObject(o, "pages", r->pages);
	cJSON_AddBoolToObject(o, "not_modified", r->not_modified);
	cJSON_AddBoolToObject(o, "auth_failed", r->auth_failed);
	cJSON_AddBoolToObject(o, "transport", r->transport);
	cJSON_AddNumberToObject(o, "elapsed_ms", (double)(now_ms() - t0));
	if (r->error)
		cJSON_AddStringToObject(o, "error", r->error);
	if (r->x_total)
		cJSON_AddStringToObject(o, "x_total", r->x_total);
	body = cJSON_ParseWithLength(r->body, r->len);
	if (cJSON_IsArray(body))
		cJSON_AddNumberToObject(o, "items", cJSON_GetArraySize(body));
	cJSON_Delete(body);
	cJSON_AddStringToObject(o, "sha", ""); /* placeholder for body identity below */
	{
		unsigned long h = 5381;

		for (size_t i = 0; i < r->len; i++)
			h = h * 33 + (unsigned char)r->body[i];
		char hex[32];

		snprintf(hex, sizeof(hex), "%lx", h);
		cJSON_ReplaceItemInObject(o, "sha", cJSON_CreateString(hex));
	}
	s = cJSON_PrintUnformatted(o);
	printf("%s\n", s);
	fflush(stdout);
	free(s);
	cJSON_Delete(o);
}

static void on_answer(const struct dt_gl_response *r, void *ud)
{
	print_response(r, ud ? ud : "get");
	outstanding--;
}

static void run(int timeout_ms)
{
	long long end = now_ms() + timeout_ms;

	while (outstanding > 0 && now_ms() < end) {
		dt_loop_run_once(&rt.loop, 50);
		if (gl.running > max_running)
			max_running = gl.running;
	}
}

static unsigned parse_flags(const char *s)
{
	unsigned f = 0;

	if (!s)
		return 0;
	if (strstr(s, "cond"))
		f |= DT_GL_CONDITIONAL;
	if (strstr(s, "all"))
		f |= DT_GL_ALL_PAGES;
	if (strstr(s, "noretry"))
		f |= DT_GL_NO_RETRY;
	if (strstr(s, "raw"))
		f |= DT_GL_RAW;
	return f;
}

static int request(const char *path, unsigned flags, const char *tag)
{
	struct dt_gl_req req = DT_GL_REQ_INIT;

	req.path = path;
	req.flags = flags;
	outstanding++;
	if (dt_gl_request(&gl, &req, on_answer, (void *)tag)) {
		outstanding--;
		fprintf(stderr, "cannot start %s\n", path);
		return -1;
	}
	return 0;
}

/* ---- tail ---- */

static struct dt_gl_trace trace;
static unsigned long trace_lines, trace_sections;

static void on_line(void *ud, const struct dt_gl_trace_line *l)
{
	(void)ud;
	trace_lines++;
	trace_sections += l->kind == DT_GL_LINE_SECTION_START;
}

static void on_trace(const struct dt_gl_response *r, void *ud)
{
	long long from = 0;

	(void)ud;
	if (r->status == 206)
		from = dt_gl_content_range_start(r->content_range);
	if (r->status == 200 || r->status == 206) {
		if (from < 0 || dt_gl_trace_feed_from(&trace, (uint64_t)from, r->body, r->len))
			fprintf(stderr, "gap\n");
	}
	printf("{\"tag\":\"tail\",\"status\":%ld,\"len\":%zu,\"offset\":%llu,\"lines\":%lu}\n",
	       r->status, r->len, (unsigned long long)trace.offset, trace_lines);
	fflush(stdout);
	outstanding--;
}

static int tail(const char *path, int polls, int interval_ms)
{
	dt_gl_trace_init(&trace, on_line, NULL);
	for (int i = 0; i < polls; i++) {
		struct dt_gl_req req = DT_GL_REQ_INIT;
		long long until;

		req.path = path;
		req.flags = DT_GL_RAW;
		req.range_from = trace.offset;
		outstanding++;
		if (dt_gl_request(&gl, &req, on_trace, NULL))
			return 1;
		run(10000);
		until = now_ms() + interval_ms;
		while (now_ms() < until)
			dt_loop_run_once(&rt.loop, (int)(until - now_ms()));
	}
	dt_gl_trace_finish(&trace);
	printf("{\"tag\":\"tail-end\",\"offset\":%llu,\"lines\":%lu,\"sections\":%lu}\n",
	       (unsigned long long)trace.offset, trace_lines, trace_sections);
	dt_gl_trace_release(&trace);
	return 0;
}

int main(int argc, char **argv)
{
	struct dt_config cfg = {0};
	struct dt_sb err = DT_SB_INIT;
	struct dt_gl_oauth oauth;
	unsigned attempts = 0, backoff = 0;
	const char *url, *token, *cmd;
	int rc = 0, oauth_on = 0;

	while (argc > 2 && !strncmp(argv[1], "--", 2)) {
		if (!strcmp(argv[1], "--attempts"))
			attempts = (unsigned)atoi(argv[2]);
		else if (!strcmp(argv[1], "--backoff-ms"))
			backoff = (unsigned)atoi(argv[2]);
		argv += 2;
		argc -= 2;
	}
	if (argc < 4) {
		fprintf(stderr, "usage: gitlab-client URL TOKEN CMD ARGS...\n");
		return 2;
	}
	url = argv[1];
	token = argv[2];
	cmd = argv[3];
	if (getenv("DT_TEST_LOG"))
		dt_log_open(getenv("DT_TEST_LOG"), DT_LOG_DEBUG);
	if (dt_runtime_init(&rt, &cfg, &err)) {
		fprintf(stderr, "%s\n", err.buf);
		return 1;
	}
	dt_gl_client_init(&gl, rt.net, url, strcmp(token, "-") ? token : NULL, "the test");
	dt_gl_client_set_loop(&gl, &rt.loop);
	gl.max_attempts = attempts;
	gl.backoff_base_ms = backoff;
	t0 = now_ms();
	if (!strcmp(cmd, "get") && argc >= 5) {
		if (!request(argv[4], parse_flags(argc > 5 ? argv[5] : NULL), "get"))
			run(60000);
	} else if (!strcmp(cmd, "twice") && argc >= 5) {
		if (!request(argv[4], DT_GL_CONDITIONAL | parse_flags(argc > 5 ? argv[5] : NULL),
			     "first"))
			run(20000);
		if (!request(argv[4], DT_GL_CONDITIONAL | parse_flags(argc > 5 ? argv[5] : NULL),
			     "second"))
			run(20000);
	} else if (!strcmp(cmd, "cap") && argc >= 7) {
		int n = atoi(argv[5]);

		gl.max_concurrent = (unsigned)atoi(argv[4]);
		for (int i = 0; i < n; i++)
			request(argv[6], 0, "cap");
		run(60000);
		printf("{\"tag\":\"cap-end\",\"max_running\":%u,\"elapsed_ms\":%lld}\n", max_running,
		       now_ms() - t0);
	} else if (!strcmp(cmd, "tail") && argc >= 7) {
		rc = tail(argv[4], atoi(argv[5]), atoi(argv[6]));
	} else if (!strcmp(cmd, "oauth") && argc >= 7) {
		int n = atoi(argv[5]);

		if (dt_gl_oauth_attach(&oauth, &gl, &rt.loop, argv[4], url)) {
			fprintf(stderr, "no OAuth entry in %s\n", argv[4]);
			rc = 1;
		} else {
			oauth_on = 1;
			for (int i = 0; i < n; i++)
				request(argv[6], 0, "oauth");
			run(20000);
			printf("{\"tag\":\"oauth-end\",\"refreshes\":%lu}\n", oauth.refreshes);
		}
	} else if (!strcmp(cmd, "oauth-wait") && argc >= 6) {
		long long until;

		if (dt_gl_oauth_attach(&oauth, &gl, &rt.loop, argv[4], url)) {
			fprintf(stderr, "no OAuth entry in %s\n", argv[4]);
			rc = 1;
		} else {
			oauth_on = 1;
			until = now_ms() + atoi(argv[5]) * 1000LL;
			while (now_ms() < until)
				dt_loop_run_once(&rt.loop, (int)(until - now_ms()));
			printf("{\"tag\":\"oauth-end\",\"refreshes\":%lu}\n", oauth.refreshes);
		}
	} else {
		fprintf(stderr, "bad command\n");
		rc = 2;
	}
	if (outstanding > 0) {
		fprintf(stderr, "%d calls unanswered\n", outstanding);
		rc = 1;
	}
	fflush(stdout);
	dt_runtime_release(&rt);
	dt_gl_client_release(&gl);
	if (oauth_on)
		dt_gl_oauth_release(&oauth);
	dt_sb_release(&err);
	dt_log_close();
	return rc;
}
