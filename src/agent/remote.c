/*
 * The remote agent driver (remote.h): a Duo Agent Platform flow over
 * POST /api/v4/ai/duo_workflows/workflows and the /ws WebSocket.  The
 * wire codec is dap.c; this file is the connection, the turn and the
 * rendering of checkpoints into the transcript and plan.
 */
#include "duoterm/agent/remote.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "duoterm/agent/session.h"
#include "duoterm/agent/tools.h"
#include "duoterm/core/config.h"
#include "duoterm/core/log.h"
#include "duoterm/core/loop.h"
#include "duoterm/git/proposal.h"
#include "duoterm/mcp/set.h"
#include "duoterm/net/http.h"
#include "duoterm/net/ws.h"

#define CONTEXT_FILE_CAP (64 * 1024)
#define HEARTBEAT_MS 60000
#define IDLE_HEARTBEAT_MS 30000

static const char *const capabilities[] = {
	"shell_command", "incremental_streaming", "read_file_chunked", "command_timeout", NULL,
};

/* A net request's ud: outlives the driver until its final event. */
struct conn {
	struct dt_remote *r;
	int is_ws;
};

/* A local action waiting for the user's approval. */
struct waiting {
	struct waiting *next;
	char *request_id, *tool;
	cJSON *args;
	size_t entry;
};

/* GitLab's approval request (a ui_chat_log "request" entry). */
struct request {
	char *id, *tool, *args;
};

struct call;

struct chat_key {
	char *id;
	size_t entry;
};

struct dt_remote {
	struct dt_remote_opts o;
	char *instance, *project, *branch, *definition, *model, *token_source;
	char **context;
	struct dt_tools *tools;
	struct dt_mcp_set *mcp;  /* MCP servers: mcpTools, runMCPTool, privilege 6 */
	struct dt_proposal_store *store;
	struct dt_session *session; /* NULL with no_journal */
	struct dt_policy policy;
	char *project_key, *approvals_file;
	char **session_ok; /* exact subjects approved in this session */
	size_t n_session_ok;

	char *workflow_id, *project_id, *namespace_id;
	struct conn *http, *ws;
	dt_net_id ws_id;
	int open, stopping, turn, busy_tools;
	uint64_t hb_timer, retry_timer, last_send;
	unsigned reconnects, lock_tries;
	enum dt_dap_status status;
	char *status_errors;

	char *goal;          /* the current turn's message */
	char *pending;       /* messages submitted during a turn */
	int approval;        /* for the next startRequest: 0, 1 approve, 2 reject */
	char *approval_tool, *approval_args, *rejection;
	int remember;

	struct request *req;
	size_t n_req;
	struct waiting *waiting;
	struct call *calls; /* actions running */

	struct dt_entry *entries;
	size_t n_entries;
	size_t *local;   /* entries of actions run here that GitLab's card has not named yet */
	size_t n_local;
	struct chat_key *keys;
	size_t n_keys;
	struct dt_plan plan;
	enum dt_agent_state state;
};

#define CB(r, name, ...) do { if ((r)->o.cbs && (r)->o.cbs->name) (r)->o.cbs->name(__VA_ARGS__, (r)->o.ud); } while (0)

static void connect_ws(struct dt_remote *r);
static void start_turn(struct dt_remote *r, const char *text);

/* ---- small things --------------------------------------------------------------- */

static char *xdup(const char *s)
{
	return s ? dt_xstrdup(s) : NULL;
}

static void set_str(char **field, const char *value)
{
	free(*field);
	*field = xdup(value);
}

static void set_state(struct dt_remote *r, enum dt_agent_state s)
{
	if (r->state == s)
		return;
	r->state = s;
	CB(r, on_state, s);
}

static size_t add_entry(struct dt_remote *r, enum dt_entry_kind kind, const char *text)
{
	struct dt_entry *e;

	r->entries = dt_xrealloc(r->entries, (r->n_entries + 1) * sizeof(*r->entries));
	e = &r->entries[r->n_entries];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	if (text)
		dt_sb_adds(&e->text, text);
	return r->n_entries++;
}

static void show(struct dt_remote *r, size_t i, const char *delta, size_t len)
{
	CB(r, on_entry, i, &r->entries[i], delta, len);
}

static void notice(struct dt_remote *r, enum dt_entry_kind kind, const char *text)
{
	show(r, add_entry(r, kind, text), NULL, 0);
}

static void audit(struct dt_remote *r, const char *kind, cJSON *f)
{
	if (r->workflow_id)
		cJSON_AddStringToObject(f, "workflow", r->workflow_id);
	dt_audit(r->o.audit_file, kind, f);
}

static void turn_done(struct dt_remote *r, enum dt_turn_outcome o, const char *message)
{
	char *next;

	r->turn = 0;
	r->stopping = 0;
	set_state(r, DT_AGENT_IDLE);
	CB(r, on_turn_done, o, message);
	if (r->pending && o == DT_TURN_DONE) {
		next = r->pending;
		r->pending = NULL;
		start_turn(r, next);
		free(next);
	}
}

static void fail_turn(struct dt_remote *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail_turn(struct dt_remote *r, const char *fmt, ...)
{
	struct dt_sb sb = DT_SB_INIT;
	va_list ap;

	va_start(ap, fmt);
	dt_sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	notice(r, DT_ENTRY_ERROR, sb.buf);
	turn_done(r, DT_TURN_FAILED, sb.buf);
	dt_sb_release(&sb);
}

static void send_text(struct dt_remote *r, char *text)
{
	if (r->ws && r->open)
		dt_ws_send_text(r->o.net, r->ws_id, text);
	r->last_send = dt_now_ms();
	free(text);
}

/* ---- provider names ------------------------------------------------------------------ */

int dt_remote_provider_name(const char *name, const char **model)
{
	static const struct {
		const char *suffix, *ref;
	} refs[] = {
		{"sonnet-4-5", "anthropic/claude-sonnet-4-5-20250929"},
		{"sonnet-4-6", "claude_sonnet_4_6"},
		{"haiku-4-5", "claude_haiku_4_5_20251001"},
		{"opus-4-6", "claude_opus_4_6_20260205"},
		{"default", NULL},
	};
	const char *p;

	if (model)
		*model = NULL;
	if (!name || strncmp(name, "duo-workflow", 12))
		return 0;
	p = name + 12;
	if (!*p)
		return 1;
	if (*p++ != '-' || !*p)
		return 0;
	if (model) {
		*model = p;
		for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++)
			if (!strcmp(p, refs[i].suffix))
				*model = refs[i].ref;
	}
	return 1;
}

/* ---- URLs and headers --------------------------------------------------------------- */

static void add_query(struct dt_sb *sb, const char *key, const char *value, int *first)
{
	char *esc;

	if (!value || !*value)
		return;
	dt_sb_addf(sb, "%c%s=", *first ? '?' : '&', key);
	*first = 0;
	for (esc = (char *)value; *esc; esc++) {
		unsigned char c = (unsigned char)*esc;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~", c))
			dt_sb_addc(sb, (char)c);
		else
			dt_sb_addf(sb, "%%%02X", c);
	}
}

char *dt_remote_ws_url(const char *instance_url, const char *project_id, const char *namespace_id,
		       const char *definition, const char *model)
{
	struct dt_sb sb = DT_SB_INIT;
	size_t n = strlen(instance_url);
	int first = 1;

	while (n && instance_url[n - 1] == '/')
		n--;
	if (!strncmp(instance_url, "https://", 8))
		dt_sb_addf(&sb, "wss://%.*s", (int)(n - 8), instance_url + 8);
	else if (!strncmp(instance_url, "http://", 7))
		dt_sb_addf(&sb, "ws://%.*s", (int)(n - 7), instance_url + 7);
	else
		dt_sb_add(&sb, instance_url, n);
	dt_sb_adds(&sb, "/api/v4/ai/duo_workflows/ws");
	add_query(&sb, "project_id", project_id, &first);
	add_query(&sb, "namespace_id", namespace_id, &first);
	add_query(&sb, "workflow_definition", definition, &first);
	add_query(&sb, "client_type", "duoterm", &first);
	add_query(&sb, "user_selected_model_identifier", model, &first);
	return dt_sb_detach(&sb, NULL);
}

/* scheme://host[:port] of the instance. */
static char *origin_of(const char *url)
{
	const char *p = strstr(url, "://");
	const char *end = p ? strchr(p + 3, '/') : NULL;

	return end ? dt_xstrndup(url, (size_t)(end - url)) : dt_xstrdup(url);
}

static void request_id(char *out, size_t n)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(out, n, "%08lx-%04lx-4%03lx-a%03lx-%012lx", (unsigned long)ts.tv_sec & 0xffffffffUL,
		 (unsigned long)(ts.tv_nsec >> 16) & 0xffff, (unsigned long)rand() & 0xfff,
		 (unsigned long)rand() & 0xfff, ((unsigned long)rand() << 16 ^ (unsigned long)ts.tv_nsec) &
		 0xffffffffffffUL);
}

/* ---- the plan and the chat log ------------------------------------------------------------ */

static int plan_equal(const struct dt_plan *a, const struct dt_plan *b)
{
	if (a->nr != b->nr)
		return 0;
	for (size_t i = 0; i < a->nr; i++)
		if (a->step[i].status != b->step[i].status || strcmp(a->step[i].title, b->step[i].title))
			return 0;
	return 1;
}

static void render_plan(struct dt_remote *r, const struct dt_dap_checkpoint *c)
{
	if (!c->has_plan || plan_equal(&r->plan, &c->plan))
		return;
	dt_plan_release(&r->plan);
	dt_plan_copy(&r->plan, &c->plan);
	CB(r, on_plan, &r->plan);
}

static long find_key(const struct dt_remote *r, const char *id)
{
	for (size_t i = 0; i < r->n_keys; i++)
		if (!strcmp(r->keys[i].id, id))
			return (long)r->keys[i].entry;
	return -1;
}

static void add_key(struct dt_remote *r, const char *id, size_t entry)
{
	r->keys = dt_xrealloc(r->keys, (r->n_keys + 1) * sizeof(*r->keys));
	r->keys[r->n_keys].id = dt_xstrdup(id);
	r->keys[r->n_keys++].entry = entry;
}

static void add_request(struct dt_remote *r, const struct dt_dap_chat *m)
{
	for (size_t i = 0; i < r->n_req; i++)
		if (!strcmp(r->req[i].id, m->message_id))
			return;
	r->req = dt_xrealloc(r->req, (r->n_req + 1) * sizeof(*r->req));
	r->req[r->n_req].id = dt_xstrdup(m->message_id);
	r->req[r->n_req].tool = dt_xstrdup(m->tool_name ? m->tool_name : "");
	r->req[r->n_req++].args = dt_xstrdup(m->tool_args ? m->tool_args : "{}");
}

static void clear_requests(struct dt_remote *r)
{
	for (size_t i = 0; i < r->n_req; i++) {
		free(r->req[i].id);
		free(r->req[i].tool);
		free(r->req[i].args);
	}
	free(r->req);
	r->req = NULL;
	r->n_req = 0;
}

/* The local tool an action of GitLab's tool runs as (dap.md §5.2). */
static const char *local_tool(const char *dws)
{
	static const char *const map[][2] = {
		{"create_file_with_contents", "write_file"}, {"run_git_command", "git"},
	};

	for (size_t k = 0; k < sizeof(map) / sizeof(map[0]); k++)
		if (!strcmp(dws, map[k][0]))
			return map[k][1];
	return dws;
}

/*
 * GitLab logs a card for each tool call its flow made (after the call,
 * with the result); for a call duoterm ran here as an action, the
 * transcript already has that call's own card, with its status and output.
 * The oldest such card of the same tool, not yet claimed, stands for
 * GitLab's: -1 when there is none (a tool GitLab ran itself).
 */
static long claim_local(struct dt_remote *r, const char *dws)
{
	const char *name = local_tool(dws ? dws : "");

	for (size_t k = 0; k < r->n_local; k++) {
		size_t i = r->local[k];

		if (r->entries[i].name && !strcmp(r->entries[i].name, name)) {
			memmove(&r->local[k], &r->local[k + 1], (r->n_local - k - 1) * sizeof(*r->local));
			r->n_local--;
			return (long)i;
		}
	}
	return -1;
}

static void tool_card(struct dt_remote *r, size_t i, const struct dt_dap_chat *m, int is_new)
{
	struct dt_entry *e = &r->entries[i];
	enum dt_tool_status st = dt_dap_tool_status(m->status);

	if (!is_new && (e->status == st || !e->call_id || strcmp(e->call_id, m->message_id)))
		return; /* unchanged, or the card of an action run here: it stays ours */
	if (is_new) {
		e->call_id = dt_xstrdup(m->message_id);
		e->name = dt_xstrdup(m->tool_name ? m->tool_name : "tool");
		e->args = xdup(m->tool_args);
	}
	e->status = st;
	dt_sb_reset(&e->text);
	dt_sb_adds(&e->text, m->tool_response ? m->tool_response : m->content);
	show(r, i, NULL, 0);
}

static void agent_text(struct dt_remote *r, size_t i, const struct dt_dap_chat *m)
{
	struct dt_entry *e = &r->entries[i];
	size_t old = e->text.len, len = strlen(m->content);

	if (len >= old && !memcmp(m->content, e->text.buf ? e->text.buf : "", old)) {
		if (len == old)
			return;
		dt_sb_add(&e->text, m->content + old, len - old);
		show(r, i, e->text.buf + old, len - old);
		return;
	}
	/* rewritten rather than extended: show it again, whole (lenient) */
	dt_sb_reset(&e->text);
	dt_sb_adds(&e->text, m->content);
	show(r, i, e->text.buf, len);
}

static enum dt_entry_kind entry_kind(enum dt_dap_msg_type t)
{
	switch (t) {
	case DT_DAP_MSG_AGENT: return DT_ENTRY_ASSISTANT;
	case DT_DAP_MSG_USER: return DT_ENTRY_USER;
	case DT_DAP_MSG_TOOL: return DT_ENTRY_TOOL;
	default: return DT_ENTRY_NOTICE;
	}
}

static void render_chat(struct dt_remote *r, const struct dt_dap_chat *m)
{
	long at = find_key(r, m->message_id);
	size_t i;

	if (m->type == DT_DAP_MSG_REQUEST)
		add_request(r, m);
	if (at < 0 && m->type == DT_DAP_MSG_TOOL && (at = claim_local(r, m->tool_name)) >= 0) {
		add_key(r, m->message_id, (size_t)at);
		return;
	}
	if (at < 0) {
		i = add_entry(r, entry_kind(m->type), NULL);
		add_key(r, m->message_id, i);
		if (m->type == DT_DAP_MSG_TOOL) {
			tool_card(r, i, m, 1);
		} else if (m->type == DT_DAP_MSG_AGENT) {
			agent_text(r, i, m);
		} else {
			dt_sb_adds(&r->entries[i].text, m->content);
			show(r, i, NULL, 0);
		}
		return;
	}
	i = (size_t)at;
	if (m->type == DT_DAP_MSG_TOOL)
		tool_card(r, i, m, 0);
	else if (m->type == DT_DAP_MSG_AGENT)
		agent_text(r, i, m);
}

static void on_checkpoint(struct dt_remote *r, const struct dt_dap_action *a)
{
	struct dt_dap_checkpoint c;
	struct dt_sb err = DT_SB_INIT;

	if (a->status != DT_DAP_ST_UNKNOWN)
		r->status = a->status;
	if (a->errors)
		set_str(&r->status_errors, a->errors);
	if (a->checkpoint && *a->checkpoint) {
		if (dt_dap_parse_checkpoint(a->checkpoint, &c, &err)) {
			dt_warn("remote", "checkpoint ignored: %s", err.buf);
		} else {
			render_plan(r, &c);
			for (size_t i = 0; i < c.n_chat; i++)
				render_chat(r, &c.chat[i]);
			dt_dap_checkpoint_release(&c);
		}
	}
	dt_sb_release(&err);
}

/* ---- actions ------------------------------------------------------------------------------ */

struct call {
	struct call *next;
	struct dt_remote *r;
	char *request_id;
	size_t entry;
};

static void respond(struct dt_remote *r, const char *request_id, const char *text, const char *error)
{
	if (r->last_send && dt_now_ms() - r->last_send >= IDLE_HEARTBEAT_MS)
		send_text(r, dt_dap_heartbeat((uint64_t)time(NULL) * 1000));
	send_text(r, dt_dap_action_response(request_id, text, error));
}

static void on_tool_done(const struct dt_tool_result *res, void *ud)
{
	struct call *c = ud;
	struct dt_remote *r = c->r;
	struct dt_entry *e = &r->entries[c->entry];
	cJSON *f = cJSON_CreateObject();

	e->status = res->is_error ? DT_TOOL_FAILURE : DT_TOOL_SUCCESS;
	dt_sb_reset(&e->text);
	dt_sb_adds(&e->text, res->text ? res->text : "");
	show(r, c->entry, NULL, 0);
	cJSON_AddStringToObject(f, "call_id", c->request_id);
	cJSON_AddBoolToObject(f, "ok", !res->is_error);
	cJSON_AddNumberToObject(f, "result_bytes", res->text ? (double)strlen(res->text) : 0);
	if (res->proposed)
		cJSON_AddStringToObject(f, "proposed", res->proposed);
	audit(r, "tool_result", f);
	/* DWS: a non-empty error is a failure; the text is still shown to the model */
	respond(r, c->request_id, res->text ? res->text : "",
		res->is_error ? (res->text && *res->text ? res->text : "failed") : "");
	if (res->proposed)
		CB(r, on_proposal, res->proposed);
	if (r->busy_tools && !--r->busy_tools && r->open)
		set_state(r, DT_AGENT_STREAMING);
	for (struct call **p = &r->calls; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	free(c->request_id);
	free(c);
}

static void on_tool_output(const char *call_id, const char *data, size_t len, void *ud)
{
	struct call *c = ud;

	(void)call_id;
	show(c->r, c->entry, data, len);
}

static size_t action_entry(struct dt_remote *r, const char *request_id, const char *tool,
			   const cJSON *args, enum dt_tool_status st)
{
	size_t i = add_entry(r, DT_ENTRY_TOOL, NULL);
	struct dt_entry *e = &r->entries[i];

	e->call_id = dt_xstrdup(request_id);
	e->name = dt_xstrdup(tool);
	e->args = args ? cJSON_PrintUnformatted(args) : dt_xstrdup("{}");
	e->status = st;
	r->local = dt_xrealloc(r->local, (r->n_local + 1) * sizeof(*r->local));
	r->local[r->n_local++] = i;
	show(r, i, NULL, 0);
	return i;
}

static void run_action(struct dt_remote *r, const char *request_id, const char *tool,
		       const cJSON *args, size_t entry)
{
	struct call *c = dt_xcalloc(1, sizeof(*c));
	cJSON *f = cJSON_CreateObject();
	char *text = cJSON_PrintUnformatted(args);

	c->r = r;
	c->request_id = dt_xstrdup(request_id);
	c->entry = entry;
	c->next = r->calls;
	r->calls = c;
	r->entries[entry].status = DT_TOOL_RUNNING;
	show(r, entry, NULL, 0);
	cJSON_AddStringToObject(f, "call_id", request_id);
	cJSON_AddStringToObject(f, "tool", tool);
	cJSON_AddStringToObject(f, "args", text ? text : "{}");
	free(text);
	audit(r, "tool", f);
	r->busy_tools++;
	set_state(r, DT_AGENT_TOOLS);
	dt_tools_run(r->tools, request_id, tool, args, on_tool_done, on_tool_output, c);
}

static int session_approved(const struct dt_remote *r, const char *subject)
{
	for (size_t i = 0; i < r->n_session_ok; i++)
		if (!strcmp(r->session_ok[i], subject))
			return 1;
	return 0;
}

static void approve_subject(struct dt_remote *r, const char *subject)
{
	if (!subject || !*subject || session_approved(r, subject))
		return;
	r->session_ok = dt_xrealloc(r->session_ok, (r->n_session_ok + 1) * sizeof(char *));
	r->session_ok[r->n_session_ok++] = dt_xstrdup(subject);
}

static void wait_approval(struct dt_remote *r, const char *request_id, const char *tool,
			  cJSON *args, const char *subject, const char *pattern)
{
	struct waiting *w = dt_xcalloc(1, sizeof(*w));

	w->request_id = dt_xstrdup(request_id);
	w->tool = dt_xstrdup(tool);
	w->args = args;
	w->entry = action_entry(r, request_id, tool, args, DT_TOOL_AWAITING_APPROVAL);
	w->next = r->waiting;
	r->waiting = w;
	set_state(r, DT_AGENT_APPROVAL);
	CB(r, on_approval, request_id, tool, subject, pattern);
}

/* runMCPTool reaches only MCP servers' tools, never a built-in one. */
static int mcp_unknown(struct dt_remote *r, const struct dt_dap_action *a, const char *tool,
		       cJSON *args, struct dt_sb *err)
{
	struct dt_sb own = DT_SB_INIT;
	int unknown = a->kind == DT_DAP_MCP_TOOL && !dt_mcp_set_find(r->mcp, tool, &own);

	if (unknown) {
		dt_sb_addf(err, "duoterm has no MCP tool %s (servers come from .gitlab/duo/mcp.json)",
			   tool);
		cJSON_Delete(args);
	}
	dt_sb_release(&own);
	return unknown;
}

static void on_tool_action(struct dt_remote *r, const struct dt_dap_action *a)
{
	struct dt_sb err = DT_SB_INIT, subject = DT_SB_INIT, pattern = DT_SB_INIT;
	const char *tool;
	cJSON *args;

	if (a->kind == DT_DAP_NOTIFICATION) {
		send_text(r, dt_dap_notification_response(a->request_id, 0,
			  "scheduled notifications are not supported by duoterm"));
		return;
	}
	if (dt_dap_to_tool(a, &tool, &args, &err) || mcp_unknown(r, a, tool, args, &err)) {
		notice(r, DT_ENTRY_NOTICE, err.buf);
		respond(r, a->request_id, "", err.buf);
		dt_sb_release(&err);
		return;
	}
	if (dt_policy_needs_approval(&r->policy, tool, args, &subject, &pattern) &&
	    !session_approved(r, subject.buf)) {
		wait_approval(r, a->request_id, tool, args, subject.buf, pattern.buf);
	} else {
		run_action(r, a->request_id, tool, args,
			   action_entry(r, a->request_id, tool, args, DT_TOOL_PENDING));
		cJSON_Delete(args);
	}
	dt_sb_release(&subject);
	dt_sb_release(&pattern);
	dt_sb_release(&err);
}

static void on_message(struct dt_remote *r, const char *data, size_t len)
{
	struct dt_dap_action a;
	struct dt_sb err = DT_SB_INIT;

	if (dt_dap_parse_action(data, len, &a, &err)) {
		dt_warn("remote", "server message ignored: %s", err.buf);
		dt_sb_release(&err);
		return;
	}
	if (a.kind == DT_DAP_CHECKPOINT)
		on_checkpoint(r, &a);
	else if (*a.request_id)
		on_tool_action(r, &a);
	else
		dt_warn("remote", "message without requestID or action ignored");
	dt_dap_action_release(&a);
	dt_sb_release(&err);
}

/* ---- the socket ------------------------------------------------------------------------------ */

static void heartbeat(struct dt_loop *loop, void *ud)
{
	struct dt_remote *r = ud;

	(void)loop;
	r->hb_timer = 0;
	if (!r->open)
		return;
	send_text(r, dt_dap_heartbeat((uint64_t)time(NULL) * 1000));
	r->hb_timer = dt_loop_add_timer(r->o.loop, HEARTBEAT_MS, heartbeat, r);
}

static void stop_timers(struct dt_remote *r)
{
	if (r->hb_timer)
		dt_loop_cancel_timer(r->o.loop, r->hb_timer);
	if (r->retry_timer)
		dt_loop_cancel_timer(r->o.loop, r->retry_timer);
	r->hb_timer = r->retry_timer = 0;
}

static void decisions_into(struct dt_remote *r, struct dt_sb *goal)
{
	struct dt_sb sb = DT_SB_INIT;

	dt_proposal_decisions_json(r->store, &sb);
	if (sb.len && strcmp(sb.buf, "[]"))
		dt_sb_addf(goal, "%s[duoterm] Review decisions on your proposed changes (JSON): %s",
			   goal->len ? "\n\n" : "", sb.buf);
	dt_sb_release(&sb);
}

static void add_file_context(struct dt_remote *r, cJSON *arr, const char *path)
{
	struct dt_sb rel = DT_SB_INIT, err = DT_SB_INIT;
	size_t len = 0;
	char *data;

	if (dt_tools_confine(r->tools, path, &rel, &err)) {
		notice(r, DT_ENTRY_NOTICE, err.buf);
		goto out;
	}
	data = dt_proposal_read(r->store, rel.buf, &len);
	if (!data) {
		dt_sb_addf(&err, "context file %s cannot be read", rel.buf);
		notice(r, DT_ENTRY_NOTICE, err.buf);
		goto out;
	}
	if (len > CONTEXT_FILE_CAP)
		data[CONTEXT_FILE_CAP] = '\0';
	dt_dap_add_context(arr, "file", rel.buf, data, "{}");
	free(data);
out:
	dt_sb_release(&rel);
	dt_sb_release(&err);
}

static cJSON *build_context(struct dt_remote *r)
{
	cJSON *arr = cJSON_CreateArray();
	struct dt_sb sb = DT_SB_INIT;

	for (char **c = r->context; c && *c; c++) {
		dt_sb_reset(&sb);
		if (**c == '#' || **c == '!') {
			dt_sb_addf(&sb, "%s %s%s in project %s",
				   **c == '#' ? "Issue" : "Merge request", *c, "", r->project);
			dt_dap_add_context(arr, **c == '#' ? "issue" : "merge_request", *c + 1, sb.buf,
					   "{}");
		} else {
			add_file_context(r, arr, *c);
		}
	}
	if (r->branch) {
		dt_sb_reset(&sb);
		dt_sb_addf(&sb, "The current git branch is %s.", r->branch);
		dt_dap_add_context(arr, "local_git", "branch", sb.buf, "{}");
	}
	dt_sb_release(&sb);
	return arr;
}

static char *metadata(struct dt_remote *r)
{
	cJSON *o = cJSON_CreateObject();
	char *text;

	cJSON_AddBoolToObject(o, "extended_logging", 0);
	cJSON_AddBoolToObject(o, "tool_approval_for_session_enabled", 1);
	if (r->branch)
		cJSON_AddStringToObject(o, "git_branch", r->branch);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

static void send_start(struct dt_remote *r)
{
	struct dt_dap_start s = {0};
	struct dt_sb goal = DT_SB_INIT;
	cJSON *ctx = build_context(r);
	cJSON *mcp = dt_tools_mcp_dap(r->mcp);
	char *meta = metadata(r);

	dt_sb_adds(&goal, r->goal ? r->goal : "");
	decisions_into(r, &goal);
	s.workflow_id = r->workflow_id;
	s.client_version = DUOTERM_VERSION;
	s.workflow_definition = r->definition;
	s.goal = goal.buf ? goal.buf : "";
	s.metadata_json = meta;
	s.capabilities = capabilities;
	s.additional_context = ctx;
	s.mcp_tools = mcp;
	s.approval = r->approval;
	s.approval_tool = r->approval_tool;
	s.approval_args = r->approval_args;
	s.remember = r->remember;
	s.rejection_message = r->rejection;
	send_text(r, dt_dap_start_request(&s));
	r->approval = 0;
	cJSON_Delete(ctx);
	cJSON_Delete(mcp);
	free(meta);
	dt_sb_release(&goal);
}

static void retry_cb(struct dt_loop *loop, void *ud)
{
	struct dt_remote *r = ud;

	(void)loop;
	r->retry_timer = 0;
	connect_ws(r);
}

static void retry_later(struct dt_remote *r, unsigned ms, const char *why)
{
	struct dt_sb sb = DT_SB_INIT;

	dt_sb_addf(&sb, "%s; reconnecting in %.1f s", why, ms / 1000.0);
	notice(r, DT_ENTRY_NOTICE, sb.buf);
	dt_sb_release(&sb);
	r->retry_timer = dt_loop_add_timer(r->o.loop, ms, retry_cb, r);
}

static void lock_held(struct dt_remote *r, const char *what)
{
	unsigned max = r->o.lock_retries ? r->o.lock_retries : 8;
	unsigned base = r->o.lock_backoff_ms ? r->o.lock_backoff_ms : 1500;
	struct dt_sb sb = DT_SB_INIT;

	if (++r->lock_tries > max) {
		fail_turn(r, "the workflow is still locked by another connection (%s) after %u tries; "
			  "close the other client or try again later", what, max);
		return;
	}
	dt_sb_addf(&sb, "the workflow is in use by another connection (%s)", what);
	retry_later(r, base * r->lock_tries, sb.buf);
	dt_sb_release(&sb);
}

static void reconnect(struct dt_remote *r, const char *why)
{
	unsigned max = r->o.max_reconnects ? r->o.max_reconnects : 5;

	if (++r->reconnects > max) {
		fail_turn(r, "%s; gave up after %u reconnects", why, max);
		return;
	}
	retry_later(r, r->reconnects == 1 ? 200 : 1000u << (r->reconnects - 2 < 5 ? r->reconnects - 2 : 5),
		    why);
}

static void status_end(struct dt_remote *r)
{
	const char *st = dt_dap_status_name(r->status);
	struct dt_sb sb = DT_SB_INIT;
	struct dt_sb subject = DT_SB_INIT, pattern = DT_SB_INIT;

	switch (r->status) {
	case DT_DAP_ST_FAILED:
		fail_turn(r, "the flow failed%s%s", r->status_errors ? ": " : "",
			  r->status_errors ? r->status_errors : "");
		break;
	case DT_DAP_ST_STOPPED:
		turn_done(r, DT_TURN_STOPPED, "the flow was stopped");
		break;
	case DT_DAP_ST_TOOL_CALL_APPROVAL_REQUIRED:
	case DT_DAP_ST_PLAN_APPROVAL_REQUIRED:
		r->turn = 1;
		set_state(r, DT_AGENT_APPROVAL);
		if (r->status == DT_DAP_ST_PLAN_APPROVAL_REQUIRED) {
			CB(r, on_approval, "plan", "plan", "the plan", NULL);
			break;
		}
		if (!r->n_req) {
			fail_turn(r, "GitLab asks for a tool approval but named no tool call");
			break;
		}
		for (size_t i = 0; i < r->n_req; i++) {
			/* GitLab's tool names: map to the local tool for the policy */
			const char *t = r->req[i].tool;
			const char *local = !strcmp(t, "run_git_command") ? "git" :
					    !strcmp(t, "run_shell_command") ? "run_command" : t;
			cJSON *args = cJSON_Parse(r->req[i].args);
			int ask = dt_policy_needs_approval(&r->policy, local, args, &subject, &pattern);

			cJSON_Delete(args);
			if (!ask && subject.len) {
				dt_remote_approve(r, r->req[i].id, DT_APPROVE_ONCE, NULL);
				break;
			}
			if (!subject.len)
				dt_sb_adds(&subject, *t ? t : "a tool call");
			CB(r, on_approval, r->req[i].id, t, subject.buf, pattern.len ? pattern.buf : NULL);
			break; /* one decision per reconnect (the callback may answer at once) */
		}
		break;
	default: /* INPUT_REQUIRED, FINISHED, or a close without a final status */
		dt_sb_addf(&sb, "%s", r->status == DT_DAP_ST_FINISHED ? "finished" :
			   r->status == DT_DAP_ST_INPUT_REQUIRED ? "input required" : st);
		turn_done(r, DT_TURN_DONE, sb.buf);
		break;
	}
	dt_sb_release(&sb);
	dt_sb_release(&subject);
	dt_sb_release(&pattern);
}

static void on_closed(struct dt_remote *r, const struct dt_ws_event *ev)
{
	const char *why = ev->reason && *ev->reason ? ev->reason : "";

	r->open = 0;
	stop_timers(r);
	if (r->stopping) {
		turn_done(r, DT_TURN_STOPPED, "stopped");
		return;
	}
	/* lws 4.1.6 reports a peer's 1013 as 1002 (it does not know the code):
	 * the reason text tells a held lock apart */
	if (ev->code == 1002 && strcasestr(why, "lock")) {
		lock_held(r, "close 1013");
		return;
	}
	switch (ev->code) {
	case 1000:
		r->reconnects = 0;
		status_end(r);
		break;
	case 1008:
		fail_turn(r, "GitLab Duo usage quota exceeded (close 1008%s%s): check your Duo "
			  "usage and seats, or try again when the quota resets", *why ? ": " : "", why);
		break;
	case 4400:
		fail_turn(r, "GitLab rejected the request as invalid (close 4400%s%s); not retried "
			  "unchanged: send a new message", *why ? ": " : "", why);
		break;
	case 1013:
		lock_held(r, "close 1013");
		break;
	case 1001:
	case 1006:
	case 1011:
	case 1012:
		reconnect(r, ev->code == 1001 ? "GitLab went away (close 1001)" :
			  "the connection to GitLab dropped");
		break;
	default:
		fail_turn(r, "GitLab closed the flow's connection (code %u%s%s)", ev->code,
			  *why ? ": " : "", why);
		break;
	}
}

static void upgrade_refused(struct dt_remote *r, const struct dt_ws_event *ev)
{
	const char *src = r->token_source ? r->token_source : "the configuration";

	switch (ev->http_status) {
	case 401:
		fail_turn(r, "GitLab refused the token (HTTP 401) for the Duo Agent Platform: check "
			  "the token from %s (valid, not expired, scope api)", src);
		break;
	case 403:
		fail_turn(r, "GitLab forbids the Duo Agent Platform here (HTTP 403): it needs a "
			  "Duo Pro/Enterprise licence and seat, and GitLab Duo (agent platform) "
			  "turned on for this project's group");
		break;
	case 404:
		fail_turn(r, "this GitLab has no Duo Agent Platform endpoint (HTTP 404): it needs "
			  "GitLab 18 EE with Duo available for the project (or a proxy hides "
			  "/api/v4/ai/duo_workflows/ws)");
		break;
	case 409:
	case 423:
	case 429:
		lock_held(r, "HTTP status");
		break;
	case 200:
		fail_turn(r, "the WebSocket upgrade was not performed (HTTP 200): a proxy between "
			  "you and GitLab probably strips the Upgrade/Connection headers; run "
			  "duoterm doctor");
		break;
	default:
		if (ev->http_status)
			fail_turn(r, "the Duo Agent Platform connection was refused (HTTP %d)",
				  ev->http_status);
		else
			reconnect(r, ev->error && *ev->error ? ev->error : "cannot connect");
		break;
	}
}

static void on_ws(const struct dt_ws_event *ev, void *ud)
{
	struct conn *c = ud;
	struct dt_remote *r = c->r;

	if (ev->final) {
		if (r && r->ws == c)
			r->ws = NULL;
		free(c);
	}
	if (!r)
		return;
	switch (ev->type) {
	case DT_WS_OPEN:
		r->open = 1;
		r->lock_tries = 0;
		send_start(r);
		r->hb_timer = dt_loop_add_timer(r->o.loop, HEARTBEAT_MS, heartbeat, r);
		break;
	case DT_WS_MESSAGE:
		on_message(r, ev->data, ev->len);
		break;
	case DT_WS_ERROR:
		if (ev->final)
			upgrade_refused(r, ev);
		break;
	case DT_WS_CLOSED:
		if (ev->final)
			on_closed(r, ev);
		break;
	default:
		break;
	}
}

static void connect_ws(struct dt_remote *r)
{
	struct dt_ws_opts o = DT_WS_OPTS_INIT;
	struct dt_sb auth = DT_SB_INIT, origin = DT_SB_INIT, rid = DT_SB_INIT, pid = DT_SB_INIT,
		     nid = DT_SB_INIT, ua = DT_SB_INIT;
	char *url = dt_remote_ws_url(r->instance, r->project_id, r->namespace_id, r->definition,
				     r->model);
	char *org = origin_of(r->instance), uuid[64];
	const char *headers[9];
	size_t n = 0;
	int rc;

	request_id(uuid, sizeof(uuid));
	dt_sb_addf(&auth, "Authorization: Bearer %s", r->o.token);
	dt_sb_addf(&origin, "Origin: %s", org);
	dt_sb_addf(&rid, "X-Request-Id: %s", uuid);
	dt_sb_addf(&ua, "User-Agent: duoterm/%s", DUOTERM_VERSION);
	headers[n++] = auth.buf;
	headers[n++] = origin.buf;
	headers[n++] = rid.buf;
	headers[n++] = ua.buf;
	headers[n++] = "X-Gitlab-Client-Name: duoterm";
	headers[n++] = "X-Gitlab-Client-Version: " DUOTERM_VERSION;
	if (r->project_id) {
		dt_sb_addf(&pid, "X-Gitlab-Project-Id: %s", r->project_id);
		headers[n++] = pid.buf;
	}
	if (r->namespace_id) {
		dt_sb_addf(&nid, "X-Gitlab-Namespace-Id: %s", r->namespace_id);
		headers[n++] = nid.buf;
	}
	headers[n] = NULL;
	o.url = url;
	o.headers = headers;
	o.ping_interval_s = 45;
	o.ping_timeout_s = 30;
	o.reconnect = 0;
	o.flags = r->o.insecure ? DT_WS_INSECURE : 0;
	r->ws = dt_xcalloc(1, sizeof(*r->ws));
	r->ws->r = r;
	r->ws->is_ws = 1;
	set_state(r, DT_AGENT_STREAMING);
	rc = dt_ws_open(r->o.net, &o, on_ws, r->ws, &r->ws_id);
	if (rc) {
		free(r->ws);
		r->ws = NULL;
		fail_turn(r, "cannot open the WebSocket (%s)", strerror(-rc));
	}
	free(url);
	free(org);
	dt_sb_release(&auth);
	dt_sb_release(&origin);
	dt_sb_release(&rid);
	dt_sb_release(&pid);
	dt_sb_release(&nid);
	dt_sb_release(&ua);
}

/* ---- creating the workflow ----------------------------------------------------------------------- */

struct create {
	struct conn c;
	struct dt_sb body;
	long status;
};

static char *num_or_str(const cJSON *v)
{
	char buf[32];

	if (cJSON_IsNumber(v)) {
		snprintf(buf, sizeof(buf), "%.0f", v->valuedouble);
		return dt_xstrdup(buf);
	}
	if (cJSON_IsString(v) && *v->valuestring) {
		const char *s = strrchr(v->valuestring, '/'); /* a GID */

		return dt_xstrdup(s ? s + 1 : v->valuestring);
	}
	return NULL;
}

static const char *create_hint(long status)
{
	switch (status) {
	case 401: return "the token was refused: check it is valid and has the api scope";
	case 403: return "not allowed: the Duo Agent Platform needs a Duo licence and seat, and "
			 "Duo turned on for the project";
	case 404: return "not found: the project does not exist for this token, or this GitLab has "
			 "no Duo Agent Platform (GitLab 18 EE)";
	case 400: return "the request was refused as invalid";
	default: return "unexpected answer";
	}
}

/* {"t":"remote", ...}: what --resume needs to continue the workflow. */
static void record_workflow(struct dt_remote *r)
{
	cJSON *rec;

	if (!r->session)
		return;
	rec = cJSON_CreateObject();
	cJSON_AddStringToObject(rec, "t", "remote");
	cJSON_AddStringToObject(rec, "workdir", r->o.workdir);
	cJSON_AddStringToObject(rec, "project", r->project);
	cJSON_AddStringToObject(rec, "definition", r->definition);
	if (r->workflow_id)
		cJSON_AddStringToObject(rec, "workflow_id", r->workflow_id);
	if (r->project_id)
		cJSON_AddStringToObject(rec, "project_id", r->project_id);
	if (r->namespace_id)
		cJSON_AddStringToObject(rec, "namespace_id", r->namespace_id);
	if (dt_session_append(r->session, rec))
		dt_warn("remote", "session %s: cannot record the workflow", dt_session_id(r->session));
	cJSON_Delete(rec);
}

static void created(struct dt_remote *r, struct create *cr, const struct dt_http_event *ev)
{
	cJSON *root = cJSON_Parse(cr->body.buf ? cr->body.buf : "");
	const char *msg;

	if (ev->result || cr->status < 200 || cr->status >= 300 || !cJSON_IsObject(root) ||
	    !(r->workflow_id = num_or_str(cJSON_GetObjectItemCaseSensitive(root, "id")))) {
		msg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "message"));
		if (ev->result)
			fail_turn(r, "cannot create the workflow: %s", ev->error);
		else
			fail_turn(r, "cannot create the workflow (HTTP %ld): %s%s%s", cr->status,
				  create_hint(cr->status), msg ? ": " : "", msg ? msg : "");
		cJSON_Delete(root);
		return;
	}
	r->project_id = num_or_str(cJSON_GetObjectItemCaseSensitive(root, "project_id"));
	r->namespace_id = num_or_str(cJSON_GetObjectItemCaseSensitive(root, "namespace_id"));
	cJSON_Delete(root);
	dt_info("remote", "workflow %s created", r->workflow_id);
	record_workflow(r);
	connect_ws(r);
}

static void on_create(const struct dt_http_event *ev, void *ud)
{
	struct create *cr = ud;
	struct dt_remote *r = cr->c.r;

	if (ev->type == DT_HTTP_HEAD) {
		cr->status = ev->status;
	} else if (ev->type == DT_HTTP_BODY) {
		if (cr->body.len < (1u << 20))
			dt_sb_add(&cr->body, ev->data, ev->len);
	} else {
		if (r) {
			r->http = NULL;
			created(r, cr, ev);
		}
		dt_sb_release(&cr->body);
		free(cr);
	}
}

static void add_ref(cJSON *body, const char *const *context)
{
	for (; context && *context; context++) {
		if (**context == '#' && atol(*context + 1) > 0 &&
		    !cJSON_GetObjectItem(body, "issue_id"))
			cJSON_AddNumberToObject(body, "issue_id", (double)atol(*context + 1));
		if (**context == '!' && atol(*context + 1) > 0 &&
		    !cJSON_GetObjectItem(body, "merge_request_id"))
			cJSON_AddNumberToObject(body, "merge_request_id", (double)atol(*context + 1));
	}
}

static char *create_body(struct dt_remote *r)
{
	static const int privileges[] = {1, 2, 3, 4, 5, 6}; /* 6: run_mcp_tools */
	cJSON *b = cJSON_CreateObject();
	size_t n_mcp;
	char *text;

	cJSON_AddStringToObject(b, "project_id", r->project);
	cJSON_AddStringToObject(b, "goal", r->goal ? r->goal : "");
	cJSON_AddStringToObject(b, "workflow_definition", r->definition);
	dt_mcp_set_entries(r->mcp, &n_mcp);
	cJSON_AddItemToObject(b, "agent_privileges", cJSON_CreateIntArray(privileges, n_mcp ? 6 : 5));
	cJSON_AddBoolToObject(b, "allow_agent_to_request_user", 1);
	cJSON_AddStringToObject(b, "environment", "ide");
	add_ref(b, r->o.context);
	text = cJSON_PrintUnformatted(b);
	cJSON_Delete(b);
	return text;
}

static void create_workflow(struct dt_remote *r)
{
	struct dt_http_request req = DT_HTTP_REQUEST_INIT;
	struct create *cr = dt_xcalloc(1, sizeof(*cr));
	struct dt_sb url = DT_SB_INIT, auth = DT_SB_INIT;
	char *body = create_body(r);
	const char *headers[4];
	int rc;

	dt_sb_addf(&url, "%s/api/v4/ai/duo_workflows/workflows", r->instance);
	dt_sb_addf(&auth, "PRIVATE-TOKEN: %s", r->o.token);
	headers[0] = auth.buf;
	headers[1] = "Content-Type: application/json";
	headers[2] = "Accept: application/json";
	headers[3] = NULL;
	req.method = "POST";
	req.url = url.buf;
	req.headers = headers;
	req.body = body;
	req.body_len = strlen(body);
	req.total_timeout_ms = 60000;
	req.flags = r->o.insecure ? DT_HTTP_INSECURE : 0;
	cr->c.r = r;
	r->http = &cr->c;
	set_state(r, DT_AGENT_STREAMING);
	rc = dt_http_start(r->o.net, &req, on_create, cr, NULL);
	if (rc) {
		r->http = NULL;
		free(cr);
		fail_turn(r, "cannot send the request to create the workflow (%s)", strerror(-rc));
	}
	free(body);
	dt_sb_release(&url);
	dt_sb_release(&auth);
}

/* ---- turns ------------------------------------------------------------------------------------------ */

static void start_turn(struct dt_remote *r, const char *text)
{
	set_str(&r->goal, text);
	set_str(&r->status_errors, NULL);
	r->status = DT_DAP_ST_RUNNING;
	r->turn = 1;
	r->reconnects = r->lock_tries = 0;
	clear_requests(r);
	if (!r->workflow_id)
		create_workflow(r);
	else
		connect_ws(r);
}

void dt_remote_submit(struct dt_remote *r, const char *text)
{
	struct dt_sb sb = DT_SB_INIT;

	if (!text || !*text)
		return;
	if (r->turn) {
		if (r->pending)
			dt_sb_addf(&sb, "%s\n\n", r->pending);
		dt_sb_adds(&sb, text);
		free(r->pending);
		r->pending = dt_sb_detach(&sb, NULL);
		notice(r, DT_ENTRY_NOTICE, "queued: sent when the flow's turn ends");
		return;
	}
	start_turn(r, text);
}

static struct waiting *take_waiting(struct dt_remote *r, const char *id)
{
	for (struct waiting **p = &r->waiting; *p; p = &(*p)->next) {
		struct waiting *w = *p;

		if (strcmp(w->request_id, id))
			continue;
		*p = w->next;
		return w;
	}
	return NULL;
}

static void free_waiting(struct waiting *w)
{
	free(w->request_id);
	free(w->tool);
	cJSON_Delete(w->args);
	free(w);
}

static void remember(struct dt_remote *r, const char *tool, const cJSON *args, int always)
{
	struct dt_sb subject = DT_SB_INIT, pattern = DT_SB_INIT;

	dt_policy_needs_approval(&r->policy, tool, args, &subject, &pattern);
	approve_subject(r, subject.buf);
	if (always && pattern.len) {
		dt_policy_allow(&r->policy, pattern.buf);
		dt_policy_save_pattern(r->approvals_file, r->project_key, pattern.buf);
	}
	dt_sb_release(&subject);
	dt_sb_release(&pattern);
}

static void answer_local(struct dt_remote *r, struct waiting *w, enum dt_approval answer,
			 const char *reason)
{
	struct dt_sb sb = DT_SB_INIT;

	if (answer == DT_APPROVE_NO) {
		dt_sb_addf(&sb, "the user refused this call%s%s", reason && *reason ? ": " : "",
			   reason ? reason : "");
		r->entries[w->entry].status = DT_TOOL_REFUSED;
		dt_sb_reset(&r->entries[w->entry].text);
		dt_sb_adds(&r->entries[w->entry].text, sb.buf);
		show(r, w->entry, NULL, 0);
		respond(r, w->request_id, "", sb.buf);
		set_state(r, r->open ? DT_AGENT_STREAMING : DT_AGENT_IDLE);
	} else {
		remember(r, w->tool, w->args, answer == DT_APPROVE_ALWAYS);
		run_action(r, w->request_id, w->tool, w->args, w->entry);
	}
	dt_sb_release(&sb);
	free_waiting(w);
}

static void answer_remote(struct dt_remote *r, const char *id, enum dt_approval answer,
			  const char *reason)
{
	struct request *q = NULL;
	cJSON *args;

	for (size_t i = 0; i < r->n_req; i++)
		if (!strcmp(r->req[i].id, id))
			q = &r->req[i];
	if (!q && strcmp(id, "plan"))
		return;
	r->approval = answer == DT_APPROVE_NO ? 2 : 1;
	set_str(&r->approval_tool, q ? q->tool : NULL);
	set_str(&r->approval_args, q ? q->args : NULL);
	set_str(&r->rejection, answer == DT_APPROVE_NO ? reason : NULL);
	r->remember = answer == DT_APPROVE_ALWAYS;
	if (q && answer != DT_APPROVE_NO) {
		const char *local = !strcmp(q->tool, "run_git_command") ? "git" :
				    !strcmp(q->tool, "run_shell_command") ? "run_command" : q->tool;

		args = cJSON_Parse(q->args);
		remember(r, local, args, answer == DT_APPROVE_ALWAYS);
		cJSON_Delete(args);
	}
	clear_requests(r);
	r->status = DT_DAP_ST_RUNNING;
	r->reconnects = r->lock_tries = 0;
	connect_ws(r);
}

void dt_remote_approve(struct dt_remote *r, const char *call_id, enum dt_approval answer,
		       const char *reason)
{
	struct waiting *w = call_id ? take_waiting(r, call_id) : NULL;

	if (w)
		answer_local(r, w, answer, reason);
	else if (call_id && !r->open && r->turn)
		answer_remote(r, call_id, answer, reason);
}

void dt_remote_stop(struct dt_remote *r)
{
	if (r->open) {
		r->stopping = 1;
		send_text(r, dt_dap_stop("USER_ACTION_TRIGGERED_STOP"));
		dt_ws_close(r->o.net, r->ws_id, 1000, "stopped by the user");
		return;
	}
	stop_timers(r);
	if (r->http) {
		r->http->r = NULL;
		r->http = NULL;
	}
	if (r->turn)
		turn_done(r, DT_TURN_STOPPED, "stopped");
}

/* ---- life ---------------------------------------------------------------------------------------------- */

static char **copy_list(const char *const *list)
{
	size_t n = 0;
	char **out;

	while (list && list[n])
		n++;
	out = dt_xcalloc(n + 1, sizeof(*out));
	for (size_t i = 0; i < n; i++)
		out[i] = dt_xstrdup(list[i]);
	return out;
}

static void load_policy(struct dt_remote *r)
{
	struct dt_sb sb = DT_SB_INIT;
	char *state;

	r->project_key = dt_xstrdup(r->o.project ? r->o.project : r->o.workdir);
	if (r->o.approvals_file) {
		r->approvals_file = dt_xstrdup(r->o.approvals_file);
	} else {
		state = dt_state_dir();
		dt_sb_addf(&sb, "%s/approvals.json", state);
		free(state);
		r->approvals_file = dt_sb_detach(&sb, NULL);
	}
	dt_policy_load(&r->policy, r->approvals_file, r->project_key);
	for (const char *const *p = r->o.approve; p && *p; p++) {
		if (!strcmp(*p, "*"))
			r->policy.approve_all = 1;
		else
			dt_policy_allow(&r->policy, *p);
	}
}

static void take(char **dst, const cJSON *rec, const char *key)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rec, key));

	if (v && *v) {
		free(*dst);
		*dst = dt_xstrdup(v);
	}
}

/* A new session, or the one --resume names with its workflow. */
static int open_session(struct dt_remote *r, struct dt_sb *err)
{
	cJSON *rec;

	if (r->o.no_journal)
		return 0;
	if (!r->o.resume) {
		if (dt_session_create(&r->session, r->o.sessions_dir, err))
			return -1;
		record_workflow(r);
		return 0;
	}
	if (dt_session_open_kind(&r->session, r->o.sessions_dir, r->o.resume, 1, err))
		return -1;
	rec = dt_session_remote(r->session);
	if (!rec) {
		dt_sb_addf(err, "session %s is a local agent's: resume it without --provider "
			   "duo-workflow", dt_session_id(r->session));
		return -1;
	}
	take(&r->workflow_id, rec, "workflow_id");
	take(&r->project_id, rec, "project_id");
	take(&r->namespace_id, rec, "namespace_id");
	take(&r->definition, rec, "definition");
	cJSON_Delete(rec);
	if (!r->workflow_id) {
		dt_sb_addf(err, "session %s never got its workflow created: start a new one",
			   dt_session_id(r->session));
		return -1;
	}
	return 0;
}

static int open_parts(struct dt_remote *r, struct dt_sb *err)
{
	struct dt_tools_opts to = DT_TOOLS_OPTS_INIT;
	const char *dir = r->o.proposals_dir;

	if (open_session(r, err))
		return -1;
	if (!dir && r->session)
		dir = dt_session_proposals_dir(r->session);
	if (dt_proposal_store_open(&r->store, r->o.workdir, dir, r->o.repo, err))
		return -1;
	to.workdir = r->o.workdir;
	to.store = r->store;
	to.repo = r->o.repo;
	to.loop = r->o.loop;
	if (!r->o.no_mcp)
		r->mcp = dt_mcp_set_open(r->o.loop, r->o.net, r->o.workdir, 0, NULL);
	to.mcp = r->mcp;
	return dt_tools_new(&r->tools, &to, err);
}

int dt_remote_new(struct dt_remote **out, const struct dt_remote_opts *o, struct dt_sb *err)
{
	struct dt_remote *r;
	size_t n;

	*out = NULL;
	if (!o->net || !o->loop || !o->instance_url || !o->workdir) {
		dt_sb_adds(err, "the Duo Agent Platform driver needs the network, a loop, the "
			   "instance URL and a work tree");
		return -1;
	}
	if (!o->token || !*o->token) {
		dt_sb_adds(err, "no GitLab token: set GITLAB_TOKEN (scope api) or gitlab.token");
		return -1;
	}
	if (!o->project || !*o->project) {
		dt_sb_adds(err, "no GitLab project: run inside a clone of a GitLab project or set "
			   "gitlab.project");
		return -1;
	}
	r = dt_xcalloc(1, sizeof(*r));
	r->o = *o;
	n = strlen(o->instance_url);
	while (n && o->instance_url[n - 1] == '/')
		n--;
	r->instance = dt_xstrndup(o->instance_url, n);
	r->project = dt_xstrdup(o->project);
	r->branch = xdup(o->branch);
	r->definition = dt_xstrdup(o->workflow_definition ? o->workflow_definition : "chat");
	r->model = xdup(o->model);
	r->token_source = xdup(o->token_source);
	r->workflow_id = xdup(o->workflow_id);
	r->context = copy_list(o->context);
	r->o.context = (const char *const *)r->context;
	r->o.token = dt_xstrdup(o->token);
	dt_secret_register(r->o.token);
	if (open_parts(r, err)) {
		dt_remote_free(r);
		return -1;
	}
	load_policy(r);
	*out = r;
	return 0;
}

struct dt_mcp_set *dt_remote_mcp(struct dt_remote *r)
{
	return r->mcp;
}

void dt_remote_free(struct dt_remote *r)
{
	struct waiting *w;

	if (!r)
		return;
	stop_timers(r);
	if (r->ws) {
		r->ws->r = NULL;
		dt_ws_close(r->o.net, r->ws_id, 1000, "closing");
	}
	if (r->http)
		r->http->r = NULL;
	while ((w = r->waiting)) {
		r->waiting = w->next;
		free_waiting(w);
	}
	dt_tools_free(r->tools); /* running commands die without callbacks */
	dt_mcp_set_free(r->mcp);
	while (r->calls) {
		struct call *c = r->calls;

		r->calls = c->next;
		free(c->request_id);
		free(c);
	}
	dt_proposal_store_free(r->store);
	dt_session_free(r->session);
	dt_policy_release(&r->policy);
	clear_requests(r);
	for (size_t i = 0; i < r->n_entries; i++) {
		dt_sb_release(&r->entries[i].text);
		free(r->entries[i].call_id);
		free(r->entries[i].name);
		free(r->entries[i].args);
	}
	free(r->entries);
	for (size_t i = 0; i < r->n_keys; i++)
		free(r->keys[i].id);
	free(r->keys);
	free(r->local);
	for (size_t i = 0; i < r->n_session_ok; i++)
		free(r->session_ok[i]);
	free(r->session_ok);
	for (char **c = r->context; c && *c; c++)
		free(*c);
	free(r->context);
	dt_plan_release(&r->plan);
	free(r->instance);
	free(r->project);
	free(r->branch);
	free(r->definition);
	free(r->model);
	free(r->token_source);
	free((char *)r->o.token);
	free(r->project_key);
	free(r->approvals_file);
	free(r->workflow_id);
	free(r->project_id);
	free(r->namespace_id);
	free(r->status_errors);
	free(r->goal);
	free(r->pending);
	free(r->approval_tool);
	free(r->approval_args);
	free(r->rejection);
	free(r);
}

struct dt_proposal_store *dt_remote_proposals(struct dt_remote *r)
{
	return r->store;
}

const char *dt_remote_workflow_id(const struct dt_remote *r)
{
	return r->workflow_id;
}

const char *dt_remote_session_id(const struct dt_remote *r)
{
	return r->session ? dt_session_id(r->session) : NULL;
}

enum dt_dap_status dt_remote_status(const struct dt_remote *r)
{
	return r->status;
}

const struct dt_plan *dt_remote_plan(const struct dt_remote *r)
{
	return &r->plan;
}

size_t dt_remote_entries(const struct dt_remote *r, const struct dt_entry **out)
{
	*out = r->entries;
	return r->n_entries;
}
