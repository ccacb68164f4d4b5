/*
 * Fuzz target for every GitLab parser (model.h, detail.h, and auth.h's OAuth
 * callback and token readers in the last case): the first
 * byte picks the parser, the rest is the body.  Parsers must never crash,
 * leak or read out of bounds on malformed or truncated JSON.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "duoterm/core/strbuf.h"
#include "duoterm/gitlab/auth.h"
#include "duoterm/gitlab/detail.h"
#include "duoterm/gitlab/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void list(int (*parse)(const char *, size_t, struct dt_gl_list *), void (*rel)(void *),
		 const char *s, size_t n)
{
	struct dt_gl_list l;

	if (!parse(s, n, &l))
		dt_gl_list_release(&l, rel);
}

/* What the OAuth sign-in reads from outside: a callback request line (from
 * the browser, through net/listen.c) and a token response. */
static void oauth(const char *s, size_t n)
{
	char *line = dt_xstrndup(s, n), *code, *state;
	struct dt_gl_creds c = {0};
	struct dt_sb err = DT_SB_INIT;

	if (!dt_gl_oauth_parse_callback(line, "/callback", &code, &state, &err)) {
		free(code);
		free(state);
	}
	dt_gl_oauth_parse_token(s, n, 0, &c, &err);
	dt_gl_creds_release(&c);
	dt_sb_release(&err);
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data + 1;
	size_t n = size ? size - 1 : 0;
	union {
		struct dt_gl_user u;
		struct dt_gl_project p;
		struct dt_gl_mr_detail d;
		struct dt_gl_approvals a;
		struct dt_gl_job j;
		struct dt_gl_issue i;
		struct dt_gl_pipeline pl;
	} o;
	char *desc, *msg;

	if (!size)
		return 0;
	switch (data[0] % 14) {
	case 0: dt_gl_parse_user(s, n, &o.u); dt_gl_user_release(&o.u); break;
	case 1: dt_gl_parse_project(s, n, &o.p); dt_gl_project_release(&o.p); break;
	case 2: list(dt_gl_parse_mrs, (void (*)(void *))dt_gl_mr_release, s, n); break;
	case 3: list(dt_gl_parse_issues, (void (*)(void *))dt_gl_issue_release, s, n); break;
	case 4: list(dt_gl_parse_pipelines, (void (*)(void *))dt_gl_pipeline_release, s, n); break;
	case 5: dt_gl_parse_mr_detail(s, n, &o.d); dt_gl_mr_detail_release(&o.d); break;
	case 6: dt_gl_parse_approvals(s, n, &o.a); dt_gl_approvals_release(&o.a); break;
	case 7: list(dt_gl_parse_diffs, (void (*)(void *))dt_gl_diff_release, s, n); break;
	case 8: list(dt_gl_parse_notes, (void (*)(void *))dt_gl_note_release, s, n); break;
	case 9: list(dt_gl_parse_discussions, (void (*)(void *))dt_gl_discussion_release, s, n); break;
	case 10: list(dt_gl_parse_jobs, (void (*)(void *))dt_gl_job_release, s, n); break;
	case 11: dt_gl_parse_job(s, n, &o.j); dt_gl_job_release(&o.j); break;
	case 12:
		dt_gl_parse_issue(s, n, &o.i, &desc);
		dt_gl_issue_release(&o.i);
		free(desc);
		break;
	default:
		msg = dt_gl_error_message(s, n);
		free(msg);
		dt_gl_parse_pipeline(s, n, &o.pl);
		dt_gl_pipeline_release(&o.pl);
		list(dt_gl_parse_users, (void (*)(void *))dt_gl_user_release, s, n);
		oauth(s, n);
	}
	return 0;
}
