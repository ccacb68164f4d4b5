/*
 * A small driver of the remote agent (agent/remote.h) for the end-to-end
 * tests: runs one Duo Agent Platform flow against the simulator, accepts the
 * first hunk of every proposal and rejects the rest (through the proposal
 * store's API, as the Review pane does), approves what it is asked, and prints
 * one JSON line per callback.  Exit 0 when the flow finished, 1 otherwise.
 *
 *   dap-flow URL TOKEN PROJECT WORKDIR GOAL [--reject]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "duoterm/agent/remote.h"
#include "duoterm/core/config.h"
#include "duoterm/core/log.h"
#include "duoterm/git/hunk.h"
#include "duoterm/git/proposal.h"
#include "duoterm/ui/runtime.h"

struct drv {
	struct dt_remote *r;
	int done, status, reject;
};

static void out3(const char *type, const char *k1, const char *v1, const char *k2, const char *v2,
		 const char *k3, const char *v3)
{
	cJSON *o = cJSON_CreateObject();
	char *t;

	cJSON_AddStringToObject(o, "type", type);
	if (k1)
		cJSON_AddStringToObject(o, k1, v1 ? v1 : "");
	if (k2)
		cJSON_AddStringToObject(o, k2, v2 ? v2 : "");
	if (k3)
		cJSON_AddStringToObject(o, k3, v3 ? v3 : "");
	t = cJSON_PrintUnformatted(o);
	printf("%s\n", t);
	fflush(stdout);
	free(t);
	cJSON_Delete(o);
}

static void out(const char *type, const char *k1, const char *v1, const char *k2, const char *v2)
{
	out3(type, k1, v1, k2, v2, NULL, NULL);
}

static void on_entry(size_t i, const struct dt_entry *e, const char *delta, size_t len, void *ud)
{
	char *d;

	(void)ud;
	if (e->kind == DT_ENTRY_TOOL && !delta) {
		char entry[24];

		snprintf(entry, sizeof(entry), "%zu", i);
		out3("tool", "name", e->name, "status", dt_tool_status_name(e->status), "entry", entry);
		return;
	}
	if (delta && e->kind == DT_ENTRY_ASSISTANT) {
		d = strndup(delta, len);
		out("text", "delta", d, NULL, NULL);
		free(d);
		return;
	}
	if (!delta)
		out(e->kind == DT_ENTRY_USER ? "user" : e->kind == DT_ENTRY_ERROR ? "error" : "notice",
		    "text", e->text.buf, NULL, NULL);
}

static void on_plan(const struct dt_plan *p, void *ud)
{
	cJSON *o = dt_plan_to_json(p);
	char *t;

	(void)ud;
	cJSON_AddStringToObject(o, "type", "plan");
	t = cJSON_PrintUnformatted(o);
	printf("%s\n", t);
	free(t);
	cJSON_Delete(o);
}

static void on_approval(const char *id, const char *tool, const char *subject, const char *pattern,
			void *ud)
{
	struct drv *d = ud;

	(void)pattern;
	out("approval", "tool", tool, "subject", subject);
	dt_remote_approve(d->r, id, d->reject ? DT_APPROVE_NO : DT_APPROVE_ONCE, "not now");
}

/* Accept the first hunk, reject the others. */
static void on_proposal(const char *path, void *ud)
{
	struct drv *d = ud;
	struct dt_proposal_store *s = dt_remote_proposals(d->r);
	struct dt_sb diff = DT_SB_INIT, err = DT_SB_INIT;
	struct dt_fpatch fp = DT_FPATCH_INIT;
	long i = dt_proposal_find(s, path);
	char n[32];

	if (i < 0 || dt_proposal_diff(s, (size_t)i, &diff, &err) ||
	    dt_fpatch_parse(&fp, diff.buf, diff.len, &err)) {
		out("proposal", "path", path, "error", err.buf);
		goto done;
	}
	for (size_t k = 0; k < fp.nr; k++)
		fp.hunk[k].use = k == 0 ? DT_HUNK_USE : DT_HUNK_SKIP;
	snprintf(n, sizeof(n), "%zu", fp.nr);
	if (dt_proposal_apply(s, (size_t)i, &fp, &err))
		out("proposal", "path", path, "error", err.buf);
	else
		out("proposal", "path", path, "hunks", n);
done:
	dt_fpatch_release(&fp);
	dt_sb_release(&diff);
	dt_sb_release(&err);
}

static void on_turn_done(enum dt_turn_outcome o, const char *msg, void *ud)
{
	struct drv *d = ud;

	out("done", "outcome", dt_turn_outcome_name(o), "message", msg);
	d->done = 1;
	d->status = o == DT_TURN_DONE && dt_remote_status(d->r) == DT_DAP_ST_FINISHED ? 0 : 1;
}

static const struct dt_agent_cbs cbs = {
	.on_entry = on_entry, .on_plan = on_plan, .on_approval = on_approval,
	.on_proposal = on_proposal, .on_turn_done = on_turn_done,
};

int main(int argc, char **argv)
{
	struct dt_config cfg = {0};
	struct dt_runtime rt;
	struct dt_remote_opts o = DT_REMOTE_OPTS_INIT;
	struct dt_sb err = DT_SB_INIT;
	struct drv d = {0};

	if (argc < 6) {
		fprintf(stderr, "usage: dap-flow URL TOKEN PROJECT WORKDIR GOAL [--reject]\n");
		return 2;
	}
	d.reject = argc > 6 && !strcmp(argv[6], "--reject");
	if (dt_runtime_init(&rt, &cfg, &err)) {
		fprintf(stderr, "%s\n", err.buf);
		return 1;
	}
	o.net = rt.net;
	o.loop = &rt.loop;
	o.instance_url = argv[1];
	o.token = argv[2];
	o.token_source = "the command line";
	o.project = argv[3];
	o.workdir = argv[4];
	o.branch = "main";
	o.cbs = &cbs;
	o.ud = &d;
	if (dt_remote_new(&d.r, &o, &err)) {
		fprintf(stderr, "%s\n", err.buf);
		dt_runtime_release(&rt);
		return 1;
	}
	dt_remote_submit(d.r, argv[5]);
	while (!d.done)
		dt_loop_run_once(&rt.loop, -1);
	printf("{\"type\":\"workflow\",\"id\":\"%s\"}\n", dt_remote_workflow_id(d.r) ?
	       dt_remote_workflow_id(d.r) : "");
	dt_remote_free(d.r);
	dt_runtime_release(&rt);
	dt_sb_release(&err);
	return d.status;
}
