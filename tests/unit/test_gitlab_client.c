/*
 * The GitLab client's pure pieces: Link rel="next" (offset and keyset),
 * Retry-After, backoff with jitter, PKCE (RFC 7636's example), the OAuth
 * token answer (rotation-safe), the job-log reader (chunking never changes
 * the lines; ANSI and runner sections), and the detail parsers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "duoterm/gitlab/auth.h"
#include "duoterm/gitlab/client.h"
#include "duoterm/gitlab/detail.h"
#include "duoterm/gitlab/trace.h"

static void test_link_next(void **state)
{
	char *n;

	(void)state;
	n = dt_gl_link_next("<https://g.example/api/v4/projects?page=1>; rel=\"prev\", "
			    "<https://g.example/api/v4/projects?page=3&per_page=3>; rel=\"next\", "
			    "<https://g.example/api/v4/projects?page=1>; rel=\"first\"");
	assert_string_equal(n, "https://g.example/api/v4/projects?page=3&per_page=3");
	free(n);
	n = dt_gl_link_next("<https://g.example/api/v4/projects?id_after=42&pagination=keyset>; "
			    "rel=\"next\"");
	assert_string_equal(n, "https://g.example/api/v4/projects?id_after=42&pagination=keyset");
	free(n);
	assert_null(dt_gl_link_next("<https://g/x?page=1>; rel=\"first\", <https://g/x>; rel=last"));
	assert_null(dt_gl_link_next(""));
	assert_null(dt_gl_link_next("garbage <"));
	n = dt_gl_link_next("<https://g/x?page=2>; REL=next");
	assert_string_equal(n, "https://g/x?page=2");
	free(n);
}

static void test_retry_after(void **state)
{
	(void)state;
	assert_int_equal(dt_gl_retry_after_ms("7", 0), 7000);
	assert_int_equal(dt_gl_retry_after_ms(" 0 ", 0), 0);
	assert_int_equal(dt_gl_retry_after_ms("soon", 0), -1);
	assert_int_equal(dt_gl_retry_after_ms(NULL, 0), -1);
	/* Wed, 21 Oct 2015 07:28:00 GMT = 1445412480 */
	assert_int_equal(dt_gl_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT", 1445412470), 10000);
	assert_int_equal(dt_gl_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT", 1445412490), 0);
}

static void test_backoff(void **state)
{
	(void)state;
	/* no jitter (rnd 0): base, doubling, capped */
	assert_int_equal(dt_gl_backoff_ms(1, -1, 500, 30000, 0), 500);
	assert_int_equal(dt_gl_backoff_ms(2, -1, 500, 30000, 0), 1000);
	assert_int_equal(dt_gl_backoff_ms(4, -1, 500, 30000, 0), 4000);
	assert_int_equal(dt_gl_backoff_ms(30, -1, 500, 30000, 0), 30000);
	/* jitter takes up to 30% off; never more */
	for (unsigned r = 0; r < 5000; r += 7) {
		long w = dt_gl_backoff_ms(3, -1, 500, 30000, r);

		assert_true(w <= 2000 && w >= 1400);
	}
	/* Retry-After is a floor: never earlier, at most +25% */
	for (unsigned r = 0; r < 5000; r += 7) {
		long w = dt_gl_backoff_ms(1, 2000, 500, 30000, r);

		assert_true(w >= 2000 && w <= 2501);
	}
}

static void test_pkce(void **state)
{
	struct dt_gl_pkce p;
	char ch[64];
	struct dt_sb url = DT_SB_INIT;

	(void)state;
	dt_gl_pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", ch);
	assert_string_equal(ch, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
	assert_int_equal(dt_gl_pkce_new(&p), 0);
	assert_int_equal(strlen(p.verifier), 43);
	assert_int_equal(strlen(p.challenge), 43);
	dt_gl_pkce_challenge(p.verifier, ch);
	assert_string_equal(ch, p.challenge);
	dt_gl_oauth_authorize_url(&url, "https://g.example", "app id", "http://127.0.0.1:8080/callback",
				  &p, NULL);
	assert_non_null(strstr(url.buf, "client_id=app%20id&redirect_uri=http%3A%2F%2F127.0.0.1"
				       "%3A8080%2Fcallback&response_type=code&state="));
	assert_non_null(strstr(url.buf, "&scope=api&code_challenge="));
	assert_non_null(strstr(url.buf, "&code_challenge_method=S256"));
	dt_sb_release(&url);
}

static void test_token_rotation(void **state)
{
	struct dt_gl_creds c = {0};
	struct dt_sb err = DT_SB_INIT;
	const char *first = "{\"access_token\":\"at-1-aaaaaaaa\",\"refresh_token\":\"rt-1-bbbbbbbb\","
			    "\"expires_in\":7200,\"created_at\":1700000000}";
	const char *second = "{\"access_token\":\"at-2-cccccccc\",\"expires_in\":60}";
	const char *bad = "{\"error\":\"invalid_grant\",\"error_description\":\"bad\"}";

	(void)state;
	assert_int_equal(dt_gl_oauth_parse_token(first, strlen(first), 5, &c, &err), 0);
	assert_string_equal(c.token, "at-1-aaaaaaaa");
	assert_int_equal(c.expires_at, 1700007200);
	assert_int_equal(dt_gl_oauth_parse_token(second, strlen(second), 100, &c, &err), 0);
	assert_string_equal(c.token, "at-2-cccccccc");
	assert_string_equal(c.refresh_token, "rt-1-bbbbbbbb"); /* kept */
	assert_int_equal(c.expires_at, 160);
	assert_int_equal(dt_gl_oauth_parse_token(bad, strlen(bad), 0, &c, &err), -1);
	assert_non_null(strstr(err.buf, "bad"));
	assert_string_equal(c.token, "at-2-cccccccc");
	dt_gl_creds_release(&c);
	dt_sb_release(&err);
}

static void test_callback(void **state)
{
	char *code, *st;
	struct dt_sb err = DT_SB_INIT;

	(void)state;
	assert_int_equal(dt_gl_oauth_parse_callback("GET /callback?code=ab%2Bc&state=xyz HTTP/1.1\r\n",
						    "/callback", &code, &st, &err), 0);
	assert_string_equal(code, "ab+c");
	assert_string_equal(st, "xyz");
	free(code);
	free(st);
	assert_int_equal(dt_gl_oauth_parse_callback("GET /callback?error=access_denied&"
						    "error_description=no HTTP/1.1", "/callback",
						    &code, &st, &err), -1);
	assert_non_null(strstr(err.buf, "access_denied"));
	dt_sb_reset(&err);
	assert_int_equal(dt_gl_oauth_parse_callback("GET /favicon.ico HTTP/1.1", "/callback", &code,
						    &st, &err), -1);
	dt_sb_release(&err);
}

/* ---- the job log ---- */

static void collect(void *ud, const struct dt_gl_trace_line *l)
{
	struct dt_sb *sb = ud;

	dt_sb_addf(sb, "%d|%d|%s|%s|%d|", l->kind, l->depth, l->section ? l->section : "",
		   l->text, l->collapsed);
	for (size_t i = 0; i < l->nr_spans; i++)
		dt_sb_addf(sb, "[%zu+%zu fg%d b%d]", l->spans[i].off, l->spans[i].len,
			   l->spans[i].fg, l->spans[i].bold);
	dt_sb_addc(sb, '\n');
}

static const char log_text[] =
	"\x1b[0KRunning with gitlab-runner 17.0\n"
	"section_start:1700000000:prepare_script[collapsed=true]\r\x1b[0K\x1b[0K\x1b[36;1mPreparing\x1b[0;m\n"
	"Running on runner-1\n"
	"section_end:1700000001:prepare_script\r\x1b[0K\n"
	"section_start:1700000002:step_script\r\x1b[0K\x1b[32;1m$ make test\x1b[0;m\n"
	"progress 10%\rprogress 100%\n"
	"\x1b[31;1mFAIL\x1b[0m tests/a.c\n"
	"section_end:1700000003:step_script\r\x1b[0K\x1b[31;1mERROR: Job failed\x1b[0m\n"
	"tail without newline";

static void test_trace_chunks(void **state)
{
	struct dt_sb whole = DT_SB_INIT, pieces = DT_SB_INIT;
	struct dt_gl_trace t;
	size_t n = sizeof(log_text) - 1;

	(void)state;
	dt_gl_trace_init(&t, collect, &whole);
	dt_gl_trace_feed(&t, log_text, n);
	dt_gl_trace_finish(&t);
	dt_gl_trace_release(&t);
	for (size_t step = 1; step < 9; step++) {
		dt_sb_reset(&pieces);
		dt_gl_trace_init(&t, collect, &pieces);
		for (size_t i = 0; i < n; i += step)
			dt_gl_trace_feed(&t, log_text + i, i + step > n ? n - i : step);
		assert_int_equal(t.offset, n);
		dt_gl_trace_finish(&t);
		dt_gl_trace_release(&t);
		assert_string_equal(whole.buf, pieces.buf);
	}
	assert_non_null(strstr(whole.buf, "1|0|prepare_script|Preparing|1|[0+9 fg7 b1]\n"));
	assert_non_null(strstr(whole.buf, "0|1||Running on runner-1|0|"));
	assert_non_null(strstr(whole.buf, "0|1||progress 100%|0|"));
	assert_non_null(strstr(whole.buf, "0|1||FAIL tests/a.c|0|[0+4 fg2 b1][4+10 fg0 b0]"));
	assert_non_null(strstr(whole.buf, "0|0|step_script|ERROR: Job failed|0|"));
	assert_non_null(strstr(whole.buf, "tail without newline"));
	dt_sb_release(&whole);
	dt_sb_release(&pieces);
}

static void test_trace_resume(void **state)
{
	struct dt_sb a = DT_SB_INIT, b = DT_SB_INIT;
	struct dt_gl_trace t1, t2;

	(void)state;
	dt_gl_trace_init(&t1, collect, &a);
	dt_gl_trace_feed(&t1, log_text, sizeof(log_text) - 1);
	dt_gl_trace_init(&t2, collect, &b);
	dt_gl_trace_feed(&t2, log_text, 100);
	/* the server ignored Range: the whole log again, what was seen is skipped */
	assert_int_equal(dt_gl_trace_feed_from(&t2, 0, log_text, 150), 0);
	assert_int_equal(dt_gl_trace_feed_from(&t2, 150, log_text + 150, sizeof(log_text) - 151), 0);
	assert_int_equal(dt_gl_trace_feed_from(&t2, 5000, "x", 1), -1);
	assert_string_equal(a.buf, b.buf);
	assert_int_equal(dt_gl_content_range_start("bytes 100-199/200"), 100);
	assert_int_equal(dt_gl_content_range_start("bytes */200"), -1);
	dt_gl_trace_release(&t1);
	dt_gl_trace_release(&t2);
	dt_sb_release(&a);
	dt_sb_release(&b);
}

/* ---- parsers ---- */

static void test_parse_detail(void **state)
{
	const char *mr = "{\"iid\":7,\"title\":\"T\",\"draft\":true,\"detailed_merge_status\":"
			 "\"merge_window_closed\",\"head_pipeline\":{\"id\":9,\"status\":\"running\"},"
			 "\"reviewers\":[{\"username\":\"rpatel\"},7,null],\"assignee\":null,"
			 "\"changes_count\":\"1000+\",\"milestone\":null,\"labels\":[\"a\",{\"name\":\"b\"}]}";
	const char *ap = "{\"approvals_required\":2,\"approvals_left\":1,"
			 "\"approved_by\":[{\"user\":{\"username\":\"lchen\"}}]}";
	const char *jobs = "[{\"id\":1,\"name\":\"build\",\"stage\":\"build\",\"status\":\"success\","
			   "\"duration\":12.5},{\"id\":2,\"duration\":null},3]";
	const char *disc = "[{\"id\":\"d1\",\"notes\":[{\"id\":1,\"body\":\"x\",\"author\":{\"username\":"
			   "\"dana\"},\"type\":\"DiffNote\",\"position\":{\"new_path\":\"a.c\","
			   "\"new_line\":3}}]},{\"notes\":\"oops\"}]";
	struct dt_gl_mr_detail d;
	struct dt_gl_approvals a;
	struct dt_gl_list l;

	(void)state;
	assert_int_equal(dt_gl_parse_mr_detail(mr, strlen(mr), &d), 0);
	assert_string_equal(d.mr.detailed_merge_status, "merge_window_closed");
	assert_string_equal(dt_gl_merge_status_label(d.mr.detailed_merge_status),
			    "merge_window_closed");
	assert_int_equal(d.head_pipeline_id, 9);
	assert_int_equal(d.reviewers.nr, 1);
	assert_string_equal(d.mr.changes_count, "1000+");
	assert_string_equal(d.labels, "a,b");
	dt_gl_mr_detail_release(&d);
	assert_int_equal(dt_gl_parse_approvals(ap, strlen(ap), &a), 0);
	assert_int_equal(a.required, 2);
	assert_int_equal(a.left, 1);
	assert_false(a.approved);
	assert_string_equal(a.approved_by.v[0], "lchen");
	dt_gl_approvals_release(&a);
	assert_int_equal(dt_gl_parse_jobs(jobs, strlen(jobs), &l), 0);
	assert_int_equal(l.nr, 2);
	assert_true(DT_GL_ITEM(&l, struct dt_gl_job, 0)->duration == 12.5);
	dt_gl_list_release(&l, (void (*)(void *))dt_gl_job_release);
	assert_int_equal(dt_gl_parse_discussions(disc, strlen(disc), &l), 0);
	assert_int_equal(l.nr, 2);
	assert_string_equal(DT_GL_ITEM(&l, struct dt_gl_discussion, 0)->notes[0].path, "a.c");
	assert_int_equal(DT_GL_ITEM(&l, struct dt_gl_discussion, 0)->notes[0].line, 3);
	dt_gl_list_release(&l, (void (*)(void *))dt_gl_discussion_release);
	assert_int_equal(dt_gl_parse_mr_detail("[1]", 3, &d), -1);
	assert_int_equal(dt_gl_parse_jobs("{\"id\":", 6, &l), -1);
}

static void test_diff_count(void **state)
{
	int a, r;

	(void)state;
	dt_gl_diff_count("--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-old\n+new\n+more\n ctx\n", &a, &r);
	assert_int_equal(a, 2);
	assert_int_equal(r, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_next),   cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_backoff),     cmocka_unit_test(test_pkce),
		cmocka_unit_test(test_token_rotation), cmocka_unit_test(test_callback),
		cmocka_unit_test(test_trace_chunks), cmocka_unit_test(test_trace_resume),
		cmocka_unit_test(test_parse_detail), cmocka_unit_test(test_diff_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
