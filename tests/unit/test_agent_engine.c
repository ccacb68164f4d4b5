/* Unit tests: the agent engine, by feeding events and checking effects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duoterm/agent/engine.h"

#define MAXFX 256

struct rec {
	enum dt_fx_type type;
	char *call_id, *name, *text, *subject, *pattern, *system, *last;
	size_t n_messages;
	enum dt_prov_role last_role;
	enum dt_agent_state state;
	enum dt_turn_outcome outcome;
};

static struct {
	struct rec fx[MAXFX];
	size_t n;
	cJSON *records; /* the journal */
} R;

static char *dup0(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void on_fx(const struct dt_fx *fx, void *ud)
{
	struct rec *r = &R.fx[R.n++];

	(void)ud;
	assert_true(R.n < MAXFX);
	*r = (struct rec){.type = fx->type, .call_id = dup0(fx->call_id), .name = dup0(fx->name),
			  .subject = dup0(fx->subject), .pattern = dup0(fx->pattern),
			  .state = fx->state, .outcome = fx->outcome};
	if (fx->type == DT_FX_TURN_DONE)
		r->text = dup0(fx->message);
	if (fx->type == DT_FX_REQUEST) {
		const struct dt_prov_message *m = &fx->request->messages[fx->request->n_messages - 1];

		r->n_messages = fx->request->n_messages;
		r->system = dup0(fx->request->system);
		r->last = dup0(m->text);
		r->last_role = m->role;
	}
	if (fx->type == DT_FX_RECORD)
		cJSON_AddItemToArray(R.records, cJSON_Duplicate(fx->record, 1));
}

static void reset(void)
{
	for (size_t i = 0; i < R.n; i++) {
		struct rec *r = &R.fx[i];

		free(r->call_id);
		free(r->name);
		free(r->text);
		free(r->subject);
		free(r->pattern);
		free(r->system);
		free(r->last);
	}
	R.n = 0;
}

static int setup(void **state)
{
	(void)state;
	R.records = cJSON_CreateArray();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	reset();
	cJSON_Delete(R.records);
	return 0;
}

static const struct rec *find(enum dt_fx_type type, int nth)
{
	for (size_t i = 0; i < R.n; i++)
		if (R.fx[i].type == type && nth-- == 0)
			return &R.fx[i];
	return NULL;
}

static int count(enum dt_fx_type type)
{
	int n = 0;

	for (size_t i = 0; i < R.n; i++)
		n += R.fx[i].type == type;
	return n;
}

static struct dt_engine *engine(struct dt_policy *policy)
{
	struct dt_engine_opts o = DT_ENGINE_OPTS_INIT;

	o.emit = on_fx;
	o.system = "SYSTEM";
	o.policy = policy;
	return dt_engine_new(&o);
}

static void user(struct dt_engine *e, const char *text)
{
	dt_engine_feed(e, &(struct dt_engine_ev){.type = DT_EEV_USER, .text = text});
}

static void prov(struct dt_engine *e, const struct dt_prov_event *pe)
{
	dt_engine_feed(e, &(struct dt_engine_ev){.type = DT_EEV_PROVIDER, .prov = pe});
}

static void text(struct dt_engine *e, const char *t)
{
	prov(e, &(struct dt_prov_event){.type = DT_PROV_EV_TEXT, .text = t, .len = strlen(t)});
}

static void call(struct dt_engine *e, int index, const char *id, const char *name, const char *args)
{
	cJSON *a = args ? cJSON_Parse(args) : NULL;

	prov(e, &(struct dt_prov_event){.type = DT_PROV_EV_TOOL_START, .index = index, .id = id,
					.name = name});
	prov(e, &(struct dt_prov_event){.type = DT_PROV_EV_TOOL_DONE, .index = index, .id = id,
					.name = name, .args = a,
					.args_error = a ? NULL : "unexpected end of input",
					.raw_args = "{\"path\": "});
	cJSON_Delete(a);
}

static void finish(struct dt_engine *e, enum dt_prov_finish f)
{
	prov(e, &(struct dt_prov_event){.type = DT_PROV_EV_FINISH, .finish = f});
}

static void result(struct dt_engine *e, const char *id, const char *t, int err)
{
	dt_engine_feed(e, &(struct dt_engine_ev){.type = DT_EEV_TOOL_RESULT, .call_id = id,
						 .text = t, .is_error = err});
}

static void cut(struct dt_engine *e)
{
	struct dt_prov_error err = {.kind = DT_PROV_ERR_CUT, .message = "stream cut mid-way",
				    .type = "", .mid_stream = 1};

	prov(e, &(struct dt_prov_event){.type = DT_PROV_EV_ERROR, .error = &err});
}

/* goal -> plan + read in parallel -> result -> answer */
static void plan_and_parallel_tools(void **state)
{
	struct dt_policy pol = DT_POLICY_INIT;
	struct dt_engine *e = engine(&pol);
	const struct dt_plan *plan;

	(void)state;
	user(e, "fix the leak");
	assert_int_equal(count(DT_FX_REQUEST), 1);
	assert_int_equal(find(DT_FX_REQUEST, 0)->n_messages, 1);
	text(e, "Plan first.");
	call(e, 0, "c1", "update_plan",
	     "{\"steps\":[{\"title\":\"read\",\"status\":\"in_progress\"},{\"title\":\"fix\","
	     "\"status\":\"not_started\"},{\"title\":\"explain\"}]}");
	call(e, 1, "c2", "read_file", "{\"file_path\":\"a.c\"}");
	finish(e, DT_PROV_FINISH_TOOL_CALLS);
	assert_int_equal(count(DT_FX_PLAN), 1);
	plan = dt_engine_plan(e);
	assert_int_equal(plan->nr, 3);
	assert_int_equal(plan->step[0].status, DT_STEP_IN_PROGRESS);
	assert_string_equal(find(DT_FX_RUN_TOOL, 0)->call_id, "c2");
	assert_int_equal(dt_engine_state(e), DT_AGENT_TOOLS);
	result(e, "c2", "int main(void) {}", 0);
	assert_int_equal(count(DT_FX_REQUEST), 2);
	/* user, assistant (2 calls), 2 tool results */
	assert_int_equal(find(DT_FX_REQUEST, 1)->n_messages, 4);
	assert_non_null(strstr(find(DT_FX_REQUEST, 1)->system, "[in_progress] read"));
	text(e, "All done.");
	finish(e, DT_PROV_FINISH_STOP);
	assert_int_equal(find(DT_FX_TURN_DONE, 0)->outcome, DT_TURN_DONE);
	assert_int_equal(dt_engine_state(e), DT_AGENT_IDLE);
	dt_engine_free(e);
	dt_policy_release(&pol);
	reset();
}

static void malformed_arguments(void **state)
{
	struct dt_engine *e = engine(NULL);
	const struct rec *r;

	(void)state;
	user(e, "go");
	call(e, 0, "c1", "read_file", NULL);
	finish(e, DT_PROV_FINISH_TOOL_CALLS);
	assert_int_equal(count(DT_FX_RUN_TOOL), 0);
	r = find(DT_FX_REQUEST, 1);
	assert_non_null(r);
	assert_int_equal(r->last_role, DT_PROV_TOOL);
	assert_non_null(strstr(r->last, "not valid JSON"));
	dt_engine_free(e);
	reset();
}

static void refused_approval(void **state)
{
	struct dt_policy pol = DT_POLICY_INIT;
	struct dt_engine *e = engine(&pol);
	const struct rec *r;

	(void)state;
	user(e, "go");
	call(e, 0, "c1", "run_command", "{\"command\":\"rm -rf build\\nls\"}");
	finish(e, DT_PROV_FINISH_TOOL_CALLS);
	r = find(DT_FX_ASK_APPROVAL, 0);
	assert_non_null(r);
	assert_string_equal(r->subject, "rm -rf build\nls");
	assert_string_equal(r->pattern, "rm -rf build\nls"); /* metacharacters: exact only */
	assert_int_equal(dt_engine_state(e), DT_AGENT_APPROVAL);
	dt_engine_feed(e, &(struct dt_engine_ev){.type = DT_EEV_APPROVAL, .call_id = "c1",
						 .approval = DT_APPROVE_NO,
						 .text = "do not delete the build"});
	assert_int_equal(count(DT_FX_RUN_TOOL), 0);
	r = find(DT_FX_REQUEST, 1);
	assert_non_null(strstr(r->last, "refused"));
	assert_non_null(strstr(r->last, "do not delete the build"));
	dt_engine_free(e);
	dt_policy_release(&pol);
	reset();
}

static void approve_always_remembers(void **state)
{
	struct dt_policy pol = DT_POLICY_INIT;
	struct dt_engine *e = engine(&pol);

	(void)state;
	user(e, "go");
	call(e, 0, "c1", "run_command", "{\"command\":\"make -j8\"}");
	call(e, 1, "c2", "run_command", "{\"command\":\"make check\"}");
	call(e, 2, "c3", "git", "{\"command\":\"log\",\"args\":\"-3 --oneline\"}");
	call(e, 3, "c4", "git", "{\"command\":\"push\",\"args\":\"origin main\"}");
	finish(e, DT_PROV_FINISH_TOOL_CALLS);
	assert_string_equal(find(DT_FX_ASK_APPROVAL, 0)->pattern, "make *");
	dt_engine_feed(e, &(struct dt_engine_ev){.type = DT_EEV_APPROVAL, .call_id = "c1",
						 .approval = DT_APPROVE_ALWAYS});
	assert_string_equal(find(DT_FX_REMEMBER, 0)->pattern, "make *");
	assert_string_equal(find(DT_FX_RUN_TOOL, 0)->call_id, "c1");
	result(e, "c1", "ok", 0);
	assert_string_equal(find(DT_FX_RUN_TOOL, 1)->call_id, "c2"); /* no question */
	result(e, "c2", "ok", 0);
	assert_string_equal(find(DT_FX_RUN_TOOL, 2)->call_id, "c3"); /* read-only git */
	result(e, "c3", "ok", 0);
	assert_string_equal(find(DT_FX_ASK_APPROVAL, 1)->subject, "git push origin main");
	assert_int_equal(count(DT_FX_ASK_APPROVAL), 2);
	dt_engine_free(e);
	dt_policy_release(&pol);
	reset();
}

static void pause_resume_stop(void **state)
{
	struct dt_policy pol = {.approve_all = 1};
	struct dt_engine *e = engine(&pol);

	(void)state;
	user(e, "go");
	call(e, 0, "c1", "read_file", "{\"file_path\":\"a\"}");
	call(e, 1, "c2", "run_command", "{\"command\":\"make\"}"); /* not started ahead */
	finish(e, DT_PROV_FINISH_TOOL_CALLS);
	dt_engine_feed(e, &(struct dt_engine_ev){.type = DT_EEV_PAUSE});
	result(e, "c1", "A", 0);
	assert_int_equal(dt_engine_state(e), DT_AGENT_PAUSED);
	assert_int_equal(count(DT_FX_RUN_TOOL), 1);
	user(e, "also look at c"); /* queued while paused */
	dt_engine_feed(e, &(struct dt_engine_ev){.type = DT_EEV_RESUME});
	assert_int_equal(count(DT_FX_RUN_TOOL), 2);
	result(e, "c2", "B", 0);
	assert_int_equal(count(DT_FX_REQUEST), 2);
	assert_int_equal(find(DT_FX_REQUEST, 1)->last_role, DT_PROV_USER);
	assert_non_null(strstr(find(DT_FX_REQUEST, 1)->last, "also look at c"));
	dt_engine_feed(e, &(struct dt_engine_ev){.type = DT_EEV_STOP});
	assert_int_equal(count(DT_FX_CANCEL_REQUEST), 1);
	assert_int_equal(find(DT_FX_TURN_DONE, 0)->outcome, DT_TURN_STOPPED);
	assert_int_equal(dt_engine_state(e), DT_AGENT_IDLE);
	dt_engine_free(e);
	reset();
}

static void stop_while_tool_runs(void **state)
{
	struct dt_policy pol = {.approve_all = 1};
	struct dt_engine *e = engine(&pol);

	(void)state;
	user(e, "go");
	call(e, 0, "c1", "run_command", "{\"command\":\"sleep 100\"}");
	call(e, 1, "c2", "read_file", "{\"file_path\":\"b\"}");
	finish(e, DT_PROV_FINISH_TOOL_CALLS);
	dt_engine_feed(e, &(struct dt_engine_ev){.type = DT_EEV_STOP});
	assert_string_equal(find(DT_FX_CANCEL_TOOL, 0)->call_id, "c1");
	result(e, "c1", "late", 0); /* ignored */
	user(e, "next");
	/* both calls answered (cancelled), so the conversation stays valid */
	assert_int_equal(find(DT_FX_REQUEST, 1)->n_messages, 5);
	dt_engine_free(e);
	reset();
}

/* The tool-result ids the journal holds, from record `from` on, joined by
 * spaces. */
static void journal_results(int from, char *out, size_t n)
{
	const cJSON *rec;
	int i = 0;

	out[0] = '\0';
	cJSON_ArrayForEach(rec, R.records) {
		const char *role = cJSON_GetStringValue(cJSON_GetObjectItem(rec, "role"));

		if (i++ < from || !role || strcmp(role, "tool"))
			continue;
		snprintf(out + strlen(out), n - strlen(out), "%s%s", *out ? " " : "",
			 cJSON_GetStringValue(cJSON_GetObjectItem(rec, "id")));
	}
}

/* Read-only calls run at the same time and their results reach the model in
 * call order; a write, and a call that needs approval, wait for every call
 * before them. */
static void read_only_calls_run_together(void **state)
{
	struct dt_policy pol = DT_POLICY_INIT;
	struct dt_engine *e = engine(&pol);
	int from = cJSON_GetArraySize(R.records);
	char ids[128];

	(void)state;
	user(e, "go");
	call(e, 0, "c1", "read_file", "{\"file_path\":\"a.c\"}");
	call(e, 1, "c2", "grep", "{\"pattern\":\"x\"}");
	call(e, 2, "c3", "get_issue", "{\"issue_iid\":3}");
	call(e, 3, "c4", "edit_file", "{\"file_path\":\"a.c\",\"old_str\":\"a\",\"new_str\":\"b\"}");
	call(e, 4, "c5", "read_file", "{\"file_path\":\"a.c\"}");
	call(e, 5, "c6", "run_command", "{\"command\":\"make\"}");
	finish(e, DT_PROV_FINISH_TOOL_CALLS);
	assert_int_equal(count(DT_FX_RUN_TOOL), 3);
	assert_string_equal(find(DT_FX_RUN_TOOL, 2)->call_id, "c3");
	/* answers out of order: kept until c1's */
	result(e, "c3", "issue 3", 0);
	result(e, "c2", "a.c:1:x", 0);
	result(e, "c2", "twice", 0); /* ignored */
	assert_int_equal(count(DT_FX_RUN_TOOL), 3);
	journal_results(from, ids, sizeof(ids));
	assert_string_equal(ids, "");
	result(e, "c1", "int a;", 0);
	journal_results(from, ids, sizeof(ids));
	assert_string_equal(ids, "c1 c2 c3");
	/* the edit starts only now, and the read after it only after it */
	assert_int_equal(count(DT_FX_RUN_TOOL), 4);
	assert_string_equal(find(DT_FX_RUN_TOOL, 3)->call_id, "c4");
	dt_engine_feed(e, &(struct dt_engine_ev){.type = DT_EEV_TOOL_RESULT, .call_id = "c4",
						 .text = "proposed", .path = "a.c"});
	assert_int_equal(count(DT_FX_PROPOSAL), 1);
	assert_string_equal(find(DT_FX_RUN_TOOL, 4)->call_id, "c5");
	assert_int_equal(count(DT_FX_ASK_APPROVAL), 0);
	result(e, "c5", "int b;", 0);
	/* approvals one at a time, after everything before them */
	assert_int_equal(count(DT_FX_ASK_APPROVAL), 1);
	dt_engine_feed(e, &(struct dt_engine_ev){.type = DT_EEV_APPROVAL, .call_id = "c6",
						 .approval = DT_APPROVE_NO});
	journal_results(from, ids, sizeof(ids));
	assert_string_equal(ids, "c1 c2 c3 c4 c5 c6");
	assert_int_equal(count(DT_FX_REQUEST), 2);
	assert_int_equal(find(DT_FX_REQUEST, 1)->n_messages, 8);
	dt_engine_free(e);
	dt_policy_release(&pol);
	reset();
}

/* Pause waits for every read running ahead; stop cancels all of them, and
 * a result that was already in is kept. */
static void read_ahead_pause_and_stop(void **state)
{
	struct dt_policy pol = DT_POLICY_INIT;
	struct dt_engine *e = engine(&pol);
	int from = cJSON_GetArraySize(R.records);
	char ids[128];

	(void)state;
	user(e, "go");
	call(e, 0, "c1", "read_file", "{\"file_path\":\"a.c\"}");
	call(e, 1, "c2", "list_dir", "{\"directory\":\".\"}");
	finish(e, DT_PROV_FINISH_TOOL_CALLS);
	dt_engine_feed(e, &(struct dt_engine_ev){.type = DT_EEV_PAUSE});
	result(e, "c1", "int a;", 0);
	assert_int_equal(dt_engine_state(e), DT_AGENT_TOOLS); /* c2 still runs */
	result(e, "c2", "a.c", 0);
	assert_int_equal(dt_engine_state(e), DT_AGENT_PAUSED);
	dt_engine_feed(e, &(struct dt_engine_ev){.type = DT_EEV_RESUME});
	assert_int_equal(count(DT_FX_REQUEST), 2);
	/* the next reply: three reads; the third answers, then the user stops */
	call(e, 0, "d1", "read_file", "{\"file_path\":\"a.c\"}");
	call(e, 1, "d2", "read_file", "{\"file_path\":\"b.c\"}");
	call(e, 2, "d3", "find_files", "{\"name_pattern\":\"*.c\"}");
	finish(e, DT_PROV_FINISH_TOOL_CALLS);
	assert_int_equal(count(DT_FX_RUN_TOOL), 5);
	result(e, "d3", "a.c b.c", 0);
	dt_engine_feed(e, &(struct dt_engine_ev){.type = DT_EEV_STOP});
	assert_int_equal(count(DT_FX_CANCEL_TOOL), 2);
	assert_string_equal(find(DT_FX_CANCEL_TOOL, 0)->call_id, "d1");
	assert_string_equal(find(DT_FX_CANCEL_TOOL, 1)->call_id, "d2");
	result(e, "d1", "late", 0); /* ignored */
	journal_results(from, ids, sizeof(ids));
	assert_string_equal(ids, "c1 c2 d1 d2 d3");
	assert_int_equal(dt_engine_state(e), DT_AGENT_IDLE);
	dt_engine_free(e);
	dt_policy_release(&pol);
	reset();
}

static void cut_stream_retried_then_fails(void **state)
{
	struct dt_engine *e = engine(NULL);

	(void)state;
	user(e, "go");
	text(e, "Half a sen");
	cut(e);
	assert_int_equal(count(DT_FX_REQUEST), 2); /* re-sent once */
	assert_int_equal(find(DT_FX_REQUEST, 1)->n_messages, 1);
	text(e, "Half again");
	cut(e);
	assert_int_equal(find(DT_FX_TURN_DONE, 0)->outcome, DT_TURN_FAILED);
	assert_non_null(strstr(find(DT_FX_TURN_DONE, 0)->text, "cut"));
	dt_engine_feed(e, &(struct dt_engine_ev){.type = DT_EEV_RETRY});
	assert_int_equal(count(DT_FX_REQUEST), 3);
	text(e, "Whole answer.");
	finish(e, DT_PROV_FINISH_STOP);
	assert_int_equal(find(DT_FX_TURN_DONE, 1)->outcome, DT_TURN_DONE);
	dt_engine_free(e);
	reset();
}

static void decisions_and_plan_edits_reach_the_model(void **state)
{
	struct dt_engine *e = engine(NULL);
	struct dt_plan plan = DT_PLAN_INIT;
	const struct rec *r;

	(void)state;
	user(e, "go");
	text(e, "Proposed.");
	finish(e, DT_PROV_FINISH_STOP);
	dt_engine_feed(e, &(struct dt_engine_ev){
		.type = DT_EEV_DECISIONS,
		.text = "[{\"path\":\"a.c\",\"decision\":\"accepted\",\"hunk\":\"@@ -1 +1 @@\\n-a\\n+A\\n\"},"
			"{\"path\":\"b.c\",\"decision\":\"rejected\",\"hunk\":\"@@ -2 +2 @@\\n-b\\n+B\\n\"}]"});
	dt_plan_add(&plan, "only step", DT_STEP_IN_PROGRESS);
	dt_engine_feed(e, &(struct dt_engine_ev){.type = DT_EEV_PLAN_SET, .plan = &plan});
	user(e, "thanks");
	r = find(DT_FX_REQUEST, 1);
	assert_non_null(strstr(r->last, "- accepted: a.c"));
	assert_non_null(strstr(r->last, "- rejected: b.c"));
	assert_non_null(strstr(r->last, "+B"));
	assert_non_null(strstr(r->last, "edited the plan"));
	assert_non_null(strstr(r->last, "thanks"));
	assert_non_null(strstr(r->system, "1. [in_progress] only step"));
	dt_plan_release(&plan);
	dt_engine_free(e);
	reset();
}

/* Edits while the model is streaming: the request after the tool results
 * carries one note, with the last plan only, and the user saw one notice. */
static void plan_edits_in_a_row_make_one_note(void **state)
{
	struct dt_engine *e = engine(NULL);
	struct dt_plan plan = DT_PLAN_INIT;
	const struct rec *r;
	const cJSON *rec;
	int notices = 0, skip = cJSON_GetArraySize(R.records); /* earlier tests' */

	(void)state;
	user(e, "go");
	text(e, "Reading.");
	dt_plan_add(&plan, "first title", DT_STEP_NOT_STARTED);
	dt_engine_feed(e, &(struct dt_engine_ev){.type = DT_EEV_PLAN_SET, .plan = &plan});
	free(plan.step[0].title);
	plan.step[0].title = strdup("second title");
	dt_plan_add(&plan, "added step", DT_STEP_CANCELLED);
	dt_engine_feed(e, &(struct dt_engine_ev){.type = DT_EEV_PLAN_SET, .plan = &plan});
	call(e, 0, "c1", "read_file", "{\"file_path\":\"a.c\"}");
	finish(e, DT_PROV_FINISH_TOOL_CALLS);
	assert_int_equal(dt_engine_state(e), DT_AGENT_TOOLS);
	result(e, "c1", "int a;", 0);
	r = find(DT_FX_REQUEST, 1);
	assert_non_null(r);
	assert_int_equal(r->last_role, DT_PROV_USER);
	assert_non_null(strstr(r->last, "edited the plan"));
	assert_non_null(strstr(r->last, "second title"));
	assert_non_null(strstr(r->last, "\"cancelled\""));
	assert_null(strstr(r->last, "first title"));
	assert_null(strstr(strstr(r->last, "edited the plan") + 1, "edited the plan"));
	assert_non_null(strstr(r->system, "1. [not_started] second title"));
	assert_non_null(strstr(r->system, "2. [cancelled] added step"));
	cJSON_ArrayForEach(rec, R.records) {
		const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(rec, "text"));

		if (skip-- <= 0)
			notices += t && strstr(t, "plan edited") != NULL;
	}
	assert_int_equal(notices, 1);
	/* a new edit after that request is noted again */
	dt_engine_feed(e, &(struct dt_engine_ev){.type = DT_EEV_PLAN_SET, .plan = &plan});
	text(e, "Done.");
	finish(e, DT_PROV_FINISH_STOP);
	r = find(DT_FX_REQUEST, 2);
	assert_non_null(r);
	assert_non_null(strstr(r->last, "edited the plan"));
	dt_plan_release(&plan);
	dt_engine_free(e);
	reset();
}

static void restore_after_crash(void **state)
{
	struct dt_policy pol = {.approve_all = 1};
	struct dt_engine *e = engine(&pol);
	const cJSON *rec;
	const struct rec *r;
	const struct dt_entry *ents;
	size_t n;

	(void)state;
	cJSON_Delete(R.records);
	R.records = cJSON_CreateArray();
	user(e, "go");
	call(e, 0, "c0", "update_plan", "{\"steps\":[{\"title\":\"one\",\"status\":\"in_progress\"}]}");
	call(e, 1, "c1", "run_command", "{\"command\":\"make\"}");
	call(e, 2, "c2", "read_file", "{\"file_path\":\"b\"}");
	finish(e, DT_PROV_FINISH_TOOL_CALLS);
	/* "kill -9" while c1 runs */
	dt_engine_free(e);
	reset();

	e = engine(&pol);
	cJSON_ArrayForEach(rec, R.records)
		dt_engine_restore(e, rec);
	assert_int_equal(count(DT_FX_REQUEST), 0);
	assert_int_equal(dt_engine_plan(e)->nr, 1);
	assert_int_equal(dt_engine_restored(e), 1);
	dt_engine_feed(e, &(struct dt_engine_ev){.type = DT_EEV_RESUME});
	/* c1 was running: interrupted; c2 never started: runs now */
	r = find(DT_FX_RUN_TOOL, 0);
	assert_string_equal(r->call_id, "c2");
	result(e, "c2", "B", 0);
	r = find(DT_FX_REQUEST, 0);
	assert_int_equal(r->n_messages, 5);
	n = dt_engine_entries(e, &ents);
	assert_true(n >= 4);
	assert_int_equal(ents[0].kind, DT_ENTRY_USER);
	dt_engine_free(e);
	reset();
}

static void visible_and_patterns(void **state)
{
	struct dt_sb sb = DT_SB_INIT;
	struct dt_policy pol = DT_POLICY_INIT;

	(void)state;
	dt_visible(&sb, "echo hi\x1b[2J\n\tdone\xe2\x80\xae\xff");
	assert_string_equal(sb.buf, "echo hi\\e[2J\\n\\tdone\\u{202E}\\xff");
	dt_policy_allow(&pol, "make *");
	assert_true(dt_policy_matches(&pol, "make check"));
	assert_false(dt_policy_matches(&pol, "make check; rm -rf ~"));
	assert_false(dt_policy_matches(&pol, "make $(curl x)"));
	assert_false(dt_policy_matches(&pol, "cmake ."));
	dt_policy_release(&pol);
	dt_sb_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plan_and_parallel_tools),
		cmocka_unit_test(malformed_arguments),
		cmocka_unit_test(refused_approval),
		cmocka_unit_test(approve_always_remembers),
		cmocka_unit_test(pause_resume_stop),
		cmocka_unit_test(stop_while_tool_runs),
		cmocka_unit_test(cut_stream_retried_then_fails),
		cmocka_unit_test(decisions_and_plan_edits_reach_the_model),
		cmocka_unit_test(plan_edits_in_a_row_make_one_note),
		cmocka_unit_test(read_only_calls_run_together),
		cmocka_unit_test(read_ahead_pause_and_stop),
		cmocka_unit_test(restore_after_crash),
		cmocka_unit_test(visible_and_patterns),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
