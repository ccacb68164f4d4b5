/*
 * The agent engine: a pure state machine (see engine.h).
 */
#include "duoterm/agent/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct call {
	char *id, *name;
	cJSON *args;      /* NULL when malformed */
	char *args_text;  /* as sent to the model again */
	char *args_error;
	size_t entry;     /* its transcript entry */
	unsigned done : 1, started : 1;
	/* a read-only call started ahead of its turn keeps its result here
	 * until the calls before it are answered (results go in call order) */
	unsigned has_result : 1, res_error : 1;
	char *res_text, *res_path;
};

struct msg {
	enum dt_prov_role role;
	char *text;
	struct call *calls;
	size_t n_calls;
	char *tool_call_id;
	int is_error;
};

struct dt_engine {
	struct dt_engine_opts o;
	struct msg *msg;
	size_t n_msg, a_msg;
	struct dt_entry *ent;
	size_t n_ent, a_ent;
	struct dt_plan plan;
	enum dt_agent_state state;
	int pause_asked, interrupted, failed, turn_open, restoring;
	struct dt_sb pending;    /* queued input for the model's next request */
	/* pending[plan_note..] is the note of the user's last plan edit, when
	 * plan_note_end == pending.len (a newer edit replaces it); else -1 */
	long plan_note;
	size_t plan_note_end;
	/* the reply being streamed */
	struct dt_sb reply;
	struct call *rc;
	size_t n_rc, a_rc;
	long text_entry, reason_entry;
	struct dt_prov_usage usage;
	/* the tool calls being run: msg[batch].calls[cur] */
	size_t batch, cur;
	int in_batch;
	unsigned requests, cut_left;
	/* the request being built */
	struct dt_sb system;
	struct dt_prov_message *pm;
	struct dt_prov_tool_call *pc;
};

static const char *const state_names[] = {"idle", "streaming", "tools", "approval", "paused"};
static const char *const outcome_names[] = {"done", "stopped", "failed"};
static const char *const tool_status_names[] = {"pending", "awaiting_approval", "running",
						"success", "failure", "cancelled", "refused"};
static const char *const role_names[] = {"user", "assistant", "tool"};

const char *dt_agent_state_name(enum dt_agent_state s)
{
	return state_names[s];
}

const char *dt_turn_outcome_name(enum dt_turn_outcome o)
{
	return outcome_names[o];
}

const char *dt_tool_status_name(enum dt_tool_status s)
{
	return tool_status_names[s];
}

/* ---- emitting ------------------------------------------------------------ */

static void emit(struct dt_engine *e, const struct dt_fx *fx)
{
	if (!e->restoring && e->o.emit)
		e->o.emit(fx, e->o.ud);
}

static void emit_record(struct dt_engine *e, cJSON *rec)
{
	emit(e, &(struct dt_fx){.type = DT_FX_RECORD, .record = rec});
	cJSON_Delete(rec);
}

static void set_state(struct dt_engine *e, enum dt_agent_state s)
{
	if (e->state == s)
		return;
	e->state = s;
	emit(e, &(struct dt_fx){.type = DT_FX_STATE, .state = s});
}

static void emit_entry(struct dt_engine *e, size_t i, const char *delta, size_t len)
{
	emit(e, &(struct dt_fx){.type = DT_FX_ENTRY, .index = i, .entry = &e->ent[i],
				.delta = delta, .delta_len = len});
}

/* ---- the transcript -------------------------------------------------------- */

static size_t add_entry(struct dt_engine *e, enum dt_entry_kind kind, const char *text)
{
	struct dt_entry *en;

	if (e->n_ent == e->a_ent) {
		e->a_ent = e->a_ent ? 2 * e->a_ent : 32;
		e->ent = dt_xrealloc(e->ent, e->a_ent * sizeof(*e->ent));
	}
	en = &e->ent[e->n_ent];
	*en = (struct dt_entry){.kind = kind};
	if (text)
		dt_sb_adds(&en->text, text);
	return e->n_ent++;
}

static void notice(struct dt_engine *e, enum dt_entry_kind kind, const char *text)
{
	size_t i = add_entry(e, kind, text);
	cJSON *rec = cJSON_CreateObject();

	emit_entry(e, i, NULL, 0);
	cJSON_AddStringToObject(rec, "t", "notice");
	cJSON_AddStringToObject(rec, "text", text);
	cJSON_AddBoolToObject(rec, "error", kind == DT_ENTRY_ERROR);
	emit_record(e, rec);
}

static size_t tool_entry(struct dt_engine *e, const struct call *c)
{
	size_t i = add_entry(e, DT_ENTRY_TOOL, NULL);

	e->ent[i].call_id = dt_xstrdup(c->id);
	e->ent[i].name = dt_xstrdup(c->name);
	e->ent[i].args = dt_xstrdup(c->args_text ? c->args_text : "{}");
	return i;
}

static void set_tool_status(struct dt_engine *e, struct call *c, enum dt_tool_status s,
			    const char *result)
{
	struct dt_entry *en = &e->ent[c->entry];

	en->status = s;
	if (result) {
		dt_sb_reset(&en->text);
		dt_sb_adds(&en->text, result);
	}
	emit_entry(e, c->entry, NULL, 0);
}

/* ---- the conversation ------------------------------------------------------ */

static void free_call(struct call *c)
{
	free(c->id);
	free(c->name);
	cJSON_Delete(c->args);
	free(c->args_text);
	free(c->args_error);
	free(c->res_text);
	free(c->res_path);
}

static cJSON *msg_record(const struct msg *m)
{
	cJSON *rec = cJSON_CreateObject(), *calls;

	cJSON_AddStringToObject(rec, "t", "msg");
	cJSON_AddStringToObject(rec, "role", role_names[m->role]);
	if (m->text)
		cJSON_AddStringToObject(rec, "text", m->text);
	if (m->tool_call_id)
		cJSON_AddStringToObject(rec, "id", m->tool_call_id);
	if (m->is_error)
		cJSON_AddTrueToObject(rec, "error");
	if (!m->n_calls)
		return rec;
	calls = cJSON_AddArrayToObject(rec, "calls");
	for (size_t i = 0; i < m->n_calls; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "id", m->calls[i].id);
		cJSON_AddStringToObject(o, "name", m->calls[i].name);
		cJSON_AddStringToObject(o, "args", m->calls[i].args_text ? m->calls[i].args_text : "");
		if (m->calls[i].args_error)
			cJSON_AddStringToObject(o, "args_error", m->calls[i].args_error);
		cJSON_AddItemToArray(calls, o);
	}
	return rec;
}

static struct msg *add_msg(struct dt_engine *e, enum dt_prov_role role, const char *text)
{
	struct msg *m;

	if (e->n_msg == e->a_msg) {
		e->a_msg = e->a_msg ? 2 * e->a_msg : 32;
		e->msg = dt_xrealloc(e->msg, e->a_msg * sizeof(*e->msg));
	}
	m = &e->msg[e->n_msg++];
	*m = (struct msg){.role = role, .text = text ? dt_xstrdup(text) : NULL};
	return m;
}

static void commit_msg(struct dt_engine *e, struct msg *m)
{
	emit_record(e, msg_record(m));
}

static void add_tool_result(struct dt_engine *e, struct call *c, const char *text, int is_error,
			    enum dt_tool_status status)
{
	struct msg *m = add_msg(e, DT_PROV_TOOL, text);

	m->tool_call_id = dt_xstrdup(c->id);
	m->is_error = is_error;
	c->done = 1;
	set_tool_status(e, c, status, text);
	commit_msg(e, m);
}

/* ---- requests --------------------------------------------------------------- */

static void build_system(struct dt_engine *e)
{
	dt_sb_reset(&e->system);
	if (e->o.system)
		dt_sb_adds(&e->system, e->o.system);
	if (!e->plan.nr)
		return;
	dt_sb_adds(&e->system, "\n\nThe current plan (keep it up to date with update_plan):\n");
	for (size_t i = 0; i < e->plan.nr; i++)
		dt_sb_addf(&e->system, "%zu. [%s] %s\n", i + 1,
			   dt_step_status_name(e->plan.step[i].status), e->plan.step[i].title);
}

static void flush_pending(struct dt_engine *e)
{
	struct msg *m;

	if (!e->pending.len)
		return;
	m = add_msg(e, DT_PROV_USER, e->pending.buf);
	dt_sb_reset(&e->pending);
	e->plan_note = -1;
	commit_msg(e, m);
}

static size_t count_calls(const struct dt_engine *e)
{
	size_t n = 0;

	for (size_t i = 0; i < e->n_msg; i++)
		n += e->msg[i].n_calls;
	return n;
}

static void build_messages(struct dt_engine *e)
{
	size_t k = 0;

	free(e->pm);
	free(e->pc);
	e->pm = dt_xcalloc(e->n_msg + 1, sizeof(*e->pm));
	e->pc = dt_xcalloc(count_calls(e) + 1, sizeof(*e->pc));
	for (size_t i = 0; i < e->n_msg; i++) {
		const struct msg *m = &e->msg[i];
		struct dt_prov_message *p = &e->pm[i];

		*p = (struct dt_prov_message){.role = m->role, .text = m->text,
					      .tool_call_id = m->tool_call_id,
					      .is_error = m->is_error};
		if (!m->n_calls)
			continue;
		p->calls = &e->pc[k];
		p->n_calls = m->n_calls;
		for (size_t j = 0; j < m->n_calls; j++, k++)
			e->pc[k] = (struct dt_prov_tool_call){m->calls[j].id, m->calls[j].name,
							      m->calls[j].args_text};
	}
}

static void turn_done(struct dt_engine *e, enum dt_turn_outcome o, const char *message);

static void send_request(struct dt_engine *e)
{
	struct dt_prov_request req = {0};

	flush_pending(e);
	if (++e->requests > (e->o.max_requests ? e->o.max_requests : 100)) {
		turn_done(e, DT_TURN_FAILED, "the turn made too many requests; stopped");
		return;
	}
	build_system(e);
	build_messages(e);
	req.model = e->o.model;
	req.system = e->system.len ? e->system.buf : NULL;
	req.messages = e->pm;
	req.n_messages = e->n_msg;
	req.tools = e->o.tools;
	req.n_tools = e->o.n_tools;
	req.max_tokens = e->o.max_tokens;
	e->failed = 0;
	e->interrupted = 0;
	e->text_entry = e->reason_entry = -1;
	e->plan_note = -1;
	set_state(e, DT_AGENT_STREAMING);
	emit(e, &(struct dt_fx){.type = DT_FX_REQUEST, .request = &req});
}

static void turn_done(struct dt_engine *e, enum dt_turn_outcome o, const char *message)
{
	cJSON *rec = cJSON_CreateObject();

	e->in_batch = 0;
	e->pause_asked = 0;
	e->failed = o == DT_TURN_FAILED;
	e->turn_open = e->failed;
	if (message)
		notice(e, o == DT_TURN_DONE ? DT_ENTRY_NOTICE : DT_ENTRY_ERROR, message);
	cJSON_AddStringToObject(rec, "t", "turn");
	cJSON_AddStringToObject(rec, "outcome", outcome_names[o]);
	emit_record(e, rec);
	set_state(e, DT_AGENT_IDLE);
	emit(e, &(struct dt_fx){.type = DT_FX_TURN_DONE, .outcome = o, .message = message});
}

/* ---- the reply ---------------------------------------------------------------- */

static void reset_reply(struct dt_engine *e)
{
	for (size_t i = 0; i < e->n_rc; i++)
		free_call(&e->rc[i]);
	e->n_rc = 0;
	dt_sb_reset(&e->reply);
	e->usage = (struct dt_prov_usage){0};
}

static struct call *reply_call(struct dt_engine *e, int index, const char *id)
{
	for (size_t i = 0; i < e->n_rc; i++)
		if ((int)e->rc[i].entry == index)
			return &e->rc[i];
	if (e->n_rc == e->a_rc) {
		e->a_rc = e->a_rc ? 2 * e->a_rc : 8;
		e->rc = dt_xrealloc(e->rc, e->a_rc * sizeof(*e->rc));
	}
	e->rc[e->n_rc] = (struct call){.entry = (size_t)index};
	if (id && *id)
		e->rc[e->n_rc].id = dt_xstrdup(id);
	return &e->rc[e->n_rc++];
}

static void on_text(struct dt_engine *e, const struct dt_prov_event *ev, int reasoning)
{
	long *slot = reasoning ? &e->reason_entry : &e->text_entry;

	if (*slot < 0)
		*slot = (long)add_entry(e, reasoning ? DT_ENTRY_REASONING : DT_ENTRY_ASSISTANT, NULL);
	dt_sb_add(&e->ent[*slot].text, ev->text, ev->len);
	if (!reasoning)
		dt_sb_add(&e->reply, ev->text, ev->len);
	emit_entry(e, (size_t)*slot, ev->text, ev->len);
}

static void on_tool_done(struct dt_engine *e, const struct dt_prov_event *ev)
{
	struct call *c = reply_call(e, ev->index, ev->id);

	if (!c->id && ev->id && *ev->id)
		c->id = dt_xstrdup(ev->id);
	free(c->name);
	c->name = dt_xstrdup(ev->name ? ev->name : "");
	if (ev->args) {
		c->args = cJSON_Duplicate(ev->args, 1);
		c->args_text = cJSON_PrintUnformatted(ev->args);
	} else {
		c->args_error = dt_xstrdup(ev->args_error ? ev->args_error : "malformed arguments");
		c->args_text = dt_xstrdup(ev->raw_args ? ev->raw_args : "");
	}
}

static void dispatch_next(struct dt_engine *e);

/* Some OpenAI-compatible servers send calls without ids. */
static char *synth_id(size_t msg, size_t i)
{
	struct dt_sb sb = DT_SB_INIT;

	dt_sb_addf(&sb, "call_%zu_%zu", msg, i);
	return dt_sb_detach(&sb, NULL);
}

/* The reply ended: it becomes an assistant message; its calls run. */
static void commit_reply(struct dt_engine *e)
{
	struct msg *m = add_msg(e, DT_PROV_ASSISTANT, e->reply.len ? e->reply.buf : NULL);

	m->n_calls = e->n_rc;
	m->calls = e->n_rc ? dt_xcalloc(e->n_rc, sizeof(*m->calls)) : NULL;
	for (size_t i = 0; i < e->n_rc; i++) {
		struct call *c = &m->calls[i];

		*c = e->rc[i];
		if (!c->id)
			c->id = synth_id(e->n_msg, i);
		if (!c->name)
			c->name = dt_xstrdup("");
		c->entry = tool_entry(e, c);
		emit_entry(e, c->entry, NULL, 0);
	}
	e->n_rc = 0;
	commit_msg(e, m);
	e->batch = e->n_msg - 1;
	e->cur = 0;
	e->in_batch = m->n_calls > 0;
}

static void on_finish(struct dt_engine *e, const struct dt_prov_event *ev)
{
	commit_reply(e);
	reset_reply(e);
	e->cut_left = e->o.cut_retries;
	if (e->in_batch) {
		dispatch_next(e);
		return;
	}
	if (ev->finish == DT_PROV_FINISH_LENGTH)
		notice(e, DT_ENTRY_NOTICE, "the reply was cut at the token limit");
	else if (ev->finish == DT_PROV_FINISH_FILTER)
		notice(e, DT_ENTRY_NOTICE, "the provider's content filter ended the reply");
	if (e->pending.len && !e->pause_asked) {
		send_request(e);
		return;
	}
	turn_done(e, DT_TURN_DONE, NULL);
}

static void on_error(struct dt_engine *e, const struct dt_prov_event *ev)
{
	const struct dt_prov_error *err = ev->error;
	struct dt_sb msg = DT_SB_INIT;

	if (e->text_entry >= 0) {
		e->ent[e->text_entry].cut = 1;
		emit_entry(e, (size_t)e->text_entry, NULL, 0);
	}
	reset_reply(e);
	if (err->status)
		dt_sb_addf(&msg, "the provider answered %ld: %s", err->status, err->message);
	else
		dt_sb_addf(&msg, "the provider failed: %s", err->message);
	if (err->mid_stream && e->cut_left) {
		e->cut_left--;
		dt_sb_adds(&msg, " (sending the request again)");
		notice(e, DT_ENTRY_NOTICE, msg.buf);
		dt_sb_release(&msg);
		e->requests--;
		send_request(e);
		return;
	}
	turn_done(e, DT_TURN_FAILED, msg.buf);
	dt_sb_release(&msg);
}

static void on_provider(struct dt_engine *e, const struct dt_prov_event *ev)
{
	struct dt_sb sb = DT_SB_INIT;

	if (e->state != DT_AGENT_STREAMING)
		return;
	switch (ev->type) {
	case DT_PROV_EV_TEXT:
	case DT_PROV_EV_REASONING:
		on_text(e, ev, ev->type == DT_PROV_EV_REASONING);
		break;
	case DT_PROV_EV_TOOL_START:
		reply_call(e, ev->index, ev->id);
		break;
	case DT_PROV_EV_TOOL_DELTA:
		break;
	case DT_PROV_EV_TOOL_DONE:
		on_tool_done(e, ev);
		break;
	case DT_PROV_EV_USAGE:
		e->usage = ev->usage;
		emit(e, &(struct dt_fx){.type = DT_FX_USAGE, .usage = ev->usage});
		break;
	case DT_PROV_EV_RETRY:
		dt_sb_addf(&sb, "%s; retrying in %.1f s (attempt %u)", ev->error->message,
			   ev->retry_in_ms / 1000.0, ev->attempt + 1);
		notice(e, DT_ENTRY_NOTICE, sb.buf);
		break;
	case DT_PROV_EV_FINISH:
		on_finish(e, ev);
		break;
	case DT_PROV_EV_ERROR:
		on_error(e, ev);
		break;
	}
	dt_sb_release(&sb);
}

/* ---- running the tool calls ------------------------------------------------------ */

static struct call *current_call(struct dt_engine *e)
{
	struct msg *m;

	if (!e->in_batch)
		return NULL;
	m = &e->msg[e->batch];
	return e->cur < m->n_calls ? &m->calls[e->cur] : NULL;
}

static void update_plan(struct dt_engine *e, struct call *c)
{
	struct dt_sb err = DT_SB_INIT;
	cJSON *rec;

	if (dt_plan_from_json(&e->plan, c->args, &err)) {
		add_tool_result(e, c, err.buf, 1, DT_TOOL_FAILURE);
		dt_sb_release(&err);
		return;
	}
	rec = cJSON_CreateObject();
	cJSON_AddStringToObject(rec, "t", "plan");
	cJSON_AddItemToObject(rec, "plan", dt_plan_to_json(&e->plan));
	emit_record(e, rec);
	emit(e, &(struct dt_fx){.type = DT_FX_PLAN, .plan = &e->plan});
	add_tool_result(e, c, "Plan updated.", 0, DT_TOOL_SUCCESS);
}

static void start_tool(struct dt_engine *e, struct call *c)
{
	cJSON *rec = cJSON_CreateObject();

	c->started = 1;
	cJSON_AddStringToObject(rec, "t", "start");
	cJSON_AddStringToObject(rec, "id", c->id);
	emit_record(e, rec);
	set_tool_status(e, c, DT_TOOL_RUNNING, NULL);
	set_state(e, DT_AGENT_TOOLS);
	emit(e, &(struct dt_fx){.type = DT_FX_RUN_TOOL, .call_id = c->id, .name = c->name,
				.args = c->args});
}

/* Tools that only read (the work tree or GitLab): they may run at the same
 * time as each other. */
static int read_only_tool(const char *name)
{
	static const char *const names[] = {
		"read_file", "read_files", "list_dir", "find_files", "grep", "get_issue",
		"get_merge_request", "get_pipeline", "get_job_logs", "gitlab_search", NULL,
	};

	for (size_t i = 0; names[i]; i++)
		if (!strcmp(name, names[i]))
			return 1;
	return 0;
}

#define MAX_AHEAD 8 /* read-only calls running at once */

/* The current call, a read-only one, has just started: the read-only calls
 * right after it start too.  The first call that writes, runs a command,
 * needs approval or is malformed waits for every call before it, so the
 * model's order still holds wherever it matters. */
static void start_read_ahead(struct dt_engine *e)
{
	struct msg *m = &e->msg[e->batch];
	struct dt_sb subject = DT_SB_INIT, pattern = DT_SB_INIT;
	struct dt_policy none = DT_POLICY_INIT;
	size_t running = 1;

	for (size_t i = e->cur + 1; i < m->n_calls && running < MAX_AHEAD; i++) {
		struct call *c = &m->calls[i];

		if (c->done || c->started) {
			running += c->started && !c->done && !c->has_result;
			continue;
		}
		if (e->pause_asked || c->args_error || !read_only_tool(c->name) ||
		    dt_policy_needs_approval(e->o.policy ? e->o.policy : &none, c->name, c->args,
					     &subject, &pattern))
			break;
		start_tool(e, c);
		running++;
	}
	dt_sb_release(&subject);
	dt_sb_release(&pattern);
}

/* 1 when the call is waiting for something (a tool run, an approval). */
static int dispatch_one(struct dt_engine *e, struct call *c)
{
	struct dt_sb subject = DT_SB_INIT, pattern = DT_SB_INIT, err = DT_SB_INIT;
	struct dt_policy none = DT_POLICY_INIT;
	int ask;

	if (c->args_error) {
		dt_sb_addf(&err, "The arguments of %s are not valid JSON (%s). Call the tool again "
			   "with a JSON object.", c->name, c->args_error);
		add_tool_result(e, c, err.buf, 1, DT_TOOL_FAILURE);
		dt_sb_release(&err);
		return 0;
	}
	if (!strcmp(c->name, "update_plan")) {
		update_plan(e, c);
		return 0;
	}
	ask = dt_policy_needs_approval(e->o.policy ? e->o.policy : &none, c->name, c->args,
				       &subject, &pattern);
	if (!ask) {
		start_tool(e, c);
		if (read_only_tool(c->name))
			start_read_ahead(e);
	} else {
		set_tool_status(e, c, DT_TOOL_AWAITING_APPROVAL, NULL);
		set_state(e, DT_AGENT_APPROVAL);
		emit(e, &(struct dt_fx){.type = DT_FX_ASK_APPROVAL, .call_id = c->id,
					.name = c->name, .args = c->args, .subject = subject.buf,
					.pattern = pattern.buf});
	}
	dt_sb_release(&subject);
	dt_sb_release(&pattern);
	return 1;
}

/* Commits a result that arrived ahead of its turn. */
static void commit_early(struct dt_engine *e, struct call *c)
{
	add_tool_result(e, c, c->res_text ? c->res_text : "", c->res_error,
			c->res_error ? DT_TOOL_FAILURE : DT_TOOL_SUCCESS);
	if (c->res_path && !c->res_error)
		emit(e, &(struct dt_fx){.type = DT_FX_PROPOSAL, .call_id = c->id,
					.path = c->res_path});
}

static void dispatch_next(struct dt_engine *e)
{
	struct call *c;

	while ((c = current_call(e))) {
		if (c->has_result && !c->done)
			commit_early(e, c);
		if (c->done) {
			e->cur++;
			continue;
		}
		if (c->started)
			return; /* started ahead of its turn: its result comes */
		if (e->pause_asked) {
			set_state(e, DT_AGENT_PAUSED);
			return;
		}
		if (dispatch_one(e, c))
			return;
		e->cur++;
	}
	e->in_batch = 0;
	if (e->pause_asked) {
		set_state(e, DT_AGENT_PAUSED);
		return;
	}
	send_request(e);
}

/* The call of the batch with this id that is running (the current one, or
 * one started ahead of its turn), or NULL. */
static struct call *running_call(struct dt_engine *e, const char *id)
{
	struct msg *m;

	if (!e->in_batch || !id)
		return NULL;
	m = &e->msg[e->batch];
	for (size_t i = e->cur; i < m->n_calls; i++) {
		struct call *c = &m->calls[i];

		if (!strcmp(c->id, id))
			return c->started && !c->done && !c->has_result ? c : NULL;
	}
	return NULL;
}

static void on_tool_result(struct dt_engine *e, const struct dt_engine_ev *ev)
{
	struct call *c = running_call(e, ev->call_id);

	if (!c)
		return;
	if (c != current_call(e)) {
		/* ahead of its turn: kept until the calls before it are answered */
		c->has_result = 1;
		c->res_error = !!ev->is_error;
		c->res_text = dt_xstrdup(ev->text ? ev->text : "");
		c->res_path = ev->path ? dt_xstrdup(ev->path) : NULL;
		return;
	}
	add_tool_result(e, c, ev->text ? ev->text : "", ev->is_error,
			ev->is_error ? DT_TOOL_FAILURE : DT_TOOL_SUCCESS);
	if (ev->path && !ev->is_error)
		emit(e, &(struct dt_fx){.type = DT_FX_PROPOSAL, .call_id = c->id,
					.path = ev->path});
	e->cur++;
	dispatch_next(e);
}

static void on_tool_output(struct dt_engine *e, const struct dt_engine_ev *ev)
{
	struct call *c = running_call(e, ev->call_id);

	if (!c)
		return;
	emit(e, &(struct dt_fx){.type = DT_FX_ENTRY, .index = c->entry, .entry = &e->ent[c->entry],
				.call_id = c->id, .delta = ev->text, .delta_len = ev->len});
}

static void on_approval(struct dt_engine *e, const struct dt_engine_ev *ev)
{
	struct call *c = current_call(e);
	struct dt_sb sb = DT_SB_INIT, subject = DT_SB_INIT, pattern = DT_SB_INIT;
	struct dt_policy none = DT_POLICY_INIT;

	if (e->state != DT_AGENT_APPROVAL || !c || !ev->call_id || strcmp(c->id, ev->call_id))
		return;
	if (ev->approval == DT_APPROVE_NO) {
		dt_sb_addf(&sb, "The user refused to run this tool call.%s%s",
			   ev->text && *ev->text ? " Their reason: " : "", ev->text ? ev->text : "");
		add_tool_result(e, c, sb.buf, 1, DT_TOOL_REFUSED);
		dt_sb_release(&sb);
		e->cur++;
		dispatch_next(e);
		return;
	}
	if (ev->approval == DT_APPROVE_ALWAYS) {
		dt_policy_needs_approval(e->o.policy ? e->o.policy : &none, c->name, c->args,
					 &subject, &pattern);
		if (e->o.policy && pattern.len) {
			dt_policy_allow(e->o.policy, pattern.buf);
			emit(e, &(struct dt_fx){.type = DT_FX_REMEMBER, .pattern = pattern.buf});
		}
	}
	dt_sb_release(&subject);
	dt_sb_release(&pattern);
	start_tool(e, c);
}

/* ---- the user's controls ------------------------------------------------------------ */

static void queue_input(struct dt_engine *e, const char *label, const char *text)
{
	if (e->pending.len)
		dt_sb_adds(&e->pending, "\n\n");
	if (label)
		dt_sb_adds(&e->pending, label);
	dt_sb_adds(&e->pending, text);
}

static void on_user(struct dt_engine *e, const char *text)
{
	size_t i = add_entry(e, DT_ENTRY_USER, text);

	emit_entry(e, i, NULL, 0);
	if (e->state == DT_AGENT_IDLE && !e->interrupted) {
		queue_input(e, NULL, text);
		e->requests = 0;
		e->cut_left = e->o.cut_retries;
		e->turn_open = 1;
		send_request(e);
		return;
	}
	queue_input(e, e->in_batch || e->state == DT_AGENT_STREAMING ?
			       "(The user wrote while you were working:)\n" : NULL, text);
	if (e->state == DT_AGENT_IDLE) /* interrupted: continue */
		dt_engine_feed(e, &(struct dt_engine_ev){.type = DT_EEV_RESUME});
}

static void cancel_batch(struct dt_engine *e, const char *why)
{
	struct call *c;

	while ((c = current_call(e))) {
		if (c->has_result && !c->done)
			commit_early(e, c); /* it did run: the model gets what it found */
		if (!c->done)
			add_tool_result(e, c, why, 1, DT_TOOL_CANCELLED);
		e->cur++;
	}
	e->in_batch = 0;
}

static void on_stop(struct dt_engine *e)
{
	struct msg *m = e->in_batch ? &e->msg[e->batch] : NULL;

	switch (e->state) {
	case DT_AGENT_IDLE:
		if (!e->interrupted)
			return;
		e->interrupted = 0;
		break;
	case DT_AGENT_STREAMING:
		emit(e, &(struct dt_fx){.type = DT_FX_CANCEL_REQUEST});
		if (e->text_entry >= 0) {
			e->ent[e->text_entry].cut = 1;
			emit_entry(e, (size_t)e->text_entry, NULL, 0);
		}
		reset_reply(e);
		break;
	default:
		break;
	}
	/* every tool still running: the current one and those started ahead */
	for (size_t i = e->cur; m && i < m->n_calls; i++) {
		struct call *c = &m->calls[i];

		if (c->started && !c->done && !c->has_result)
			emit(e, &(struct dt_fx){.type = DT_FX_CANCEL_TOOL, .call_id = c->id});
	}
	cancel_batch(e, "Cancelled: the user stopped the turn.");
	turn_done(e, DT_TURN_STOPPED, "stopped");
}

static void on_resume(struct dt_engine *e)
{
	e->pause_asked = 0;
	if (e->state == DT_AGENT_PAUSED) {
		set_state(e, DT_AGENT_TOOLS);
		dispatch_next(e);
	} else if (e->state == DT_AGENT_IDLE && e->interrupted) {
		e->requests = 0;
		e->cut_left = e->o.cut_retries;
		e->turn_open = 1;
		if (e->in_batch)
			dispatch_next(e);
		else
			send_request(e);
	}
}

static void on_plan_set(struct dt_engine *e, const struct dt_plan *plan)
{
	cJSON *rec = cJSON_CreateObject(), *json;
	char *text;
	int again = e->plan_note >= 0 && e->plan_note_end == e->pending.len;

	dt_plan_copy(&e->plan, plan);
	json = dt_plan_to_json(&e->plan);
	text = cJSON_PrintUnformatted(json);
	cJSON_AddStringToObject(rec, "t", "plan");
	cJSON_AddItemToObject(rec, "plan", json);
	emit_record(e, rec);
	emit(e, &(struct dt_fx){.type = DT_FX_PLAN, .plan = &e->plan});
	/* edits in a row make one note with the final plan, and one notice */
	if (again)
		dt_sb_truncate(&e->pending, (size_t)e->plan_note);
	e->plan_note = (long)e->pending.len;
	queue_input(e, "(The user edited the plan. Follow this plan from now on:)\n", text);
	e->plan_note_end = e->pending.len;
	free(text);
	if (!again)
		notice(e, DT_ENTRY_NOTICE, "plan edited; the agent sees it with its next request");
}

static void format_decisions(struct dt_sb *out, const cJSON *arr)
{
	const cJSON *d;

	dt_sb_adds(out, "(The user reviewed your proposed changes. Only accepted hunks are in the "
			"working tree now; rejected ones were dropped; stale ones no longer apply "
			"because the file changed.)\n");
	cJSON_ArrayForEach(d, arr) {
		const char *path = cJSON_GetStringValue(cJSON_GetObjectItem(d, "path"));
		const char *kind = cJSON_GetStringValue(cJSON_GetObjectItem(d, "decision"));
		const char *hunk = cJSON_GetStringValue(cJSON_GetObjectItem(d, "hunk"));

		dt_sb_addf(out, "- %s: %s", kind ? kind : "?", path ? path : "?");
		if (hunk)
			dt_sb_addf(out, "\n```diff\n%s%s```", hunk,
				   *hunk && hunk[strlen(hunk) - 1] == '\n' ? "" : "\n");
		dt_sb_addc(out, '\n');
	}
}

static void on_decisions(struct dt_engine *e, const char *text)
{
	cJSON *arr = text ? cJSON_Parse(text) : NULL;
	struct dt_sb sb = DT_SB_INIT;

	if (cJSON_IsArray(arr) && cJSON_GetArraySize(arr) > 0) {
		format_decisions(&sb, arr);
		queue_input(e, NULL, sb.buf);
		dt_sb_reset(&sb);
		dt_sb_addf(&sb, "%d review decision(s) will be sent to the agent",
			   cJSON_GetArraySize(arr));
		notice(e, DT_ENTRY_NOTICE, sb.buf);
	}
	dt_sb_release(&sb);
	cJSON_Delete(arr);
}

void dt_engine_feed(struct dt_engine *e, const struct dt_engine_ev *ev)
{
	switch (ev->type) {
	case DT_EEV_USER:
		on_user(e, ev->text ? ev->text : "");
		break;
	case DT_EEV_PROVIDER:
		on_provider(e, ev->prov);
		break;
	case DT_EEV_TOOL_OUTPUT:
		on_tool_output(e, ev);
		break;
	case DT_EEV_TOOL_RESULT:
		on_tool_result(e, ev);
		break;
	case DT_EEV_APPROVAL:
		on_approval(e, ev);
		break;
	case DT_EEV_DECISIONS:
		on_decisions(e, ev->text);
		break;
	case DT_EEV_PLAN_SET:
		if (ev->plan)
			on_plan_set(e, ev->plan);
		break;
	case DT_EEV_PAUSE:
		if (e->state != DT_AGENT_IDLE)
			e->pause_asked = 1;
		break;
	case DT_EEV_RESUME:
		on_resume(e);
		break;
	case DT_EEV_STOP:
		on_stop(e);
		break;
	case DT_EEV_RETRY:
		if (e->state == DT_AGENT_IDLE && (e->failed || e->interrupted)) {
			e->requests = 0;
			e->cut_left = e->o.cut_retries;
			send_request(e);
		}
		break;
	}
}

/* ---- restoring from the journal ------------------------------------------------------ */

static void restore_calls(struct dt_engine *e, struct msg *m, const cJSON *calls)
{
	const cJSON *o;
	size_t i = 0;

	m->n_calls = (size_t)cJSON_GetArraySize(calls);
	m->calls = m->n_calls ? dt_xcalloc(m->n_calls, sizeof(*m->calls)) : NULL;
	cJSON_ArrayForEach(o, calls) {
		struct call *c = &m->calls[i++];
		const char *args = cJSON_GetStringValue(cJSON_GetObjectItem(o, "args"));
		const char *aerr = cJSON_GetStringValue(cJSON_GetObjectItem(o, "args_error"));

		c->id = dt_xstrdup(cJSON_GetStringValue(cJSON_GetObjectItem(o, "id")) ?: "call");
		c->name = dt_xstrdup(cJSON_GetStringValue(cJSON_GetObjectItem(o, "name")) ?: "");
		c->args_text = dt_xstrdup(args ? args : "");
		if (aerr)
			c->args_error = dt_xstrdup(aerr);
		else
			c->args = cJSON_Parse(c->args_text);
		c->entry = tool_entry(e, c);
	}
	e->batch = e->n_msg - 1;
	e->cur = 0;
	e->in_batch = m->n_calls > 0;
}

static struct call *find_call(struct dt_engine *e, const char *id)
{
	for (size_t i = e->n_msg; i-- > 0;)
		for (size_t j = 0; j < e->msg[i].n_calls; j++)
			if (id && !strcmp(e->msg[i].calls[j].id, id))
				return &e->msg[i].calls[j];
	return NULL;
}

static void restore_msg(struct dt_engine *e, const cJSON *r)
{
	const char *role = cJSON_GetStringValue(cJSON_GetObjectItem(r, "role"));
	const char *text = cJSON_GetStringValue(cJSON_GetObjectItem(r, "text"));
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(r, "id"));
	struct msg *m;
	struct call *c;

	if (!role)
		return;
	if (!strcmp(role, "user")) {
		add_msg(e, DT_PROV_USER, text);
		add_entry(e, DT_ENTRY_USER, text);
		e->turn_open = 1;
	} else if (!strcmp(role, "assistant")) {
		m = add_msg(e, DT_PROV_ASSISTANT, text);
		if (text)
			add_entry(e, DT_ENTRY_ASSISTANT, text);
		restore_calls(e, m, cJSON_GetObjectItem(r, "calls"));
	} else if (!strcmp(role, "tool")) {
		m = add_msg(e, DT_PROV_TOOL, text);
		m->tool_call_id = dt_xstrdup(id ? id : "");
		m->is_error = cJSON_IsTrue(cJSON_GetObjectItem(r, "error"));
		if ((c = find_call(e, id))) {
			c->done = 1;
			set_tool_status(e, c, m->is_error ? DT_TOOL_FAILURE : DT_TOOL_SUCCESS, text);
		}
	}
}

int dt_engine_restore(struct dt_engine *e, const cJSON *r)
{
	const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(r, "t"));
	struct call *c;

	if (!t)
		return -1;
	e->restoring = 1;
	if (!strcmp(t, "msg")) {
		restore_msg(e, r);
	} else if (!strcmp(t, "plan")) {
		struct dt_sb err = DT_SB_INIT;

		dt_plan_from_json(&e->plan, cJSON_GetObjectItem(r, "plan"), &err);
		dt_sb_release(&err);
	} else if (!strcmp(t, "start")) {
		if ((c = find_call(e, cJSON_GetStringValue(cJSON_GetObjectItem(r, "id")))))
			c->started = 1;
	} else if (!strcmp(t, "turn")) {
		/* a failed turn stays open, as it does live: RESUME retries it */
		e->turn_open = !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(r, "outcome")) ?: "",
				       "failed");
		e->in_batch = 0;
	} else if (!strcmp(t, "notice")) {
		add_entry(e, cJSON_IsTrue(cJSON_GetObjectItem(r, "error")) ? DT_ENTRY_ERROR :
			  DT_ENTRY_NOTICE, cJSON_GetStringValue(cJSON_GetObjectItem(r, "text")));
	}
	e->restoring = 0;
	return 0;
}

int dt_engine_restored(struct dt_engine *e)
{
	struct msg *m;

	if (!e->turn_open) {
		e->in_batch = 0;
		return 0;
	}
	e->interrupted = 1;
	if (!e->in_batch)
		return 1;
	m = &e->msg[e->batch];
	for (size_t i = 0; i < m->n_calls; i++) {
		struct call *c = &m->calls[i];

		if (!c->done && c->started && read_only_tool(c->name))
			c->started = 0; /* it only read: run it again */
		else if (!c->done && c->started)
			add_tool_result(e, c, "Interrupted: duoterm stopped while this tool was "
					      "running; its effect is unknown.", 1, DT_TOOL_FAILURE);
	}
	e->cur = 0;
	return 1;
}

/* ---- life ------------------------------------------------------------------------- */

struct dt_engine *dt_engine_new(const struct dt_engine_opts *opts)
{
	struct dt_engine *e = dt_xcalloc(1, sizeof(*e));

	e->o = *opts;
	e->text_entry = e->reason_entry = -1;
	e->plan_note = -1;
	e->cut_left = opts->cut_retries;
	return e;
}

void dt_engine_free(struct dt_engine *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n_msg; i++) {
		for (size_t j = 0; j < e->msg[i].n_calls; j++)
			free_call(&e->msg[i].calls[j]);
		free(e->msg[i].calls);
		free(e->msg[i].text);
		free(e->msg[i].tool_call_id);
	}
	free(e->msg);
	for (size_t i = 0; i < e->n_ent; i++) {
		dt_sb_release(&e->ent[i].text);
		free(e->ent[i].call_id);
		free(e->ent[i].name);
		free(e->ent[i].args);
	}
	free(e->ent);
	reset_reply(e);
	free(e->rc);
	dt_plan_release(&e->plan);
	dt_sb_release(&e->pending);
	dt_sb_release(&e->reply);
	dt_sb_release(&e->system);
	free(e->pm);
	free(e->pc);
	free(e);
}

enum dt_agent_state dt_engine_state(const struct dt_engine *e)
{
	return e->state;
}

const struct dt_plan *dt_engine_plan(const struct dt_engine *e)
{
	return &e->plan;
}

size_t dt_engine_entries(const struct dt_engine *e, const struct dt_entry **out)
{
	*out = e->ent;
	return e->n_ent;
}

int dt_engine_busy(const struct dt_engine *e)
{
	return e->state != DT_AGENT_IDLE || e->interrupted;
}
