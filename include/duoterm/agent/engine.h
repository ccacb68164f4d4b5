/*
 * The agent engine: a pure state machine.  Events in, effects out.
 *
 *	struct dt_engine_opts o = DT_ENGINE_OPTS_INIT;
 *	o.emit = on_effect; o.ud = driver; o.tools = ...; o.policy = &policy;
 *	e = dt_engine_new(&o);
 *	dt_engine_feed(e, &(struct dt_engine_ev){.type = DT_EEV_USER, .text = "goal"});
 *
 * The engine holds no sockets, no files, no curses, no clock.  It owns the
 * conversation (the messages sent to the model), the transcript shown to
 * the user, the plan and the turn's state.  Every input is an event; every
 * consequence is an effect passed to opts.emit during dt_engine_feed().
 * Effects point into the engine's memory and are valid only during the
 * callback.  The driver must not feed an event from inside emit: queue it
 * and feed it after dt_engine_feed() returns (the agent driver does that).
 *
 * A turn: the user's message → REQUEST → provider events → the reply is
 * committed; its tool calls run in order (update_plan inside the engine;
 * others as RUN_TOOL, or ASK_APPROVAL first when the policy says so), one
 * at a time except that read-only tools (read_file, grep, GitLab GETs ...)
 * right after a read-only one start together; their results are committed
 * in call order, and a write, command or approval waits for every call
 * before it → the results → the next REQUEST ... until a reply
 * without tool calls: TURN_DONE.  Chat input, plan edits and review
 * decisions that arrive meanwhile are queued and go to the model as one
 * user message with the next request.
 *
 * Pause stops at the next step boundary (after the running tools or reply:
 * no new tool starts and no request is sent) until RESUME.  STOP cancels
 * the request or tool in flight and ends the turn.  A stream cut mid-way is
 * re-sent automatically (opts.cut_retries times), then the turn fails and
 * RETRY sends the same request again.  The journal is fed by RECORD
 * effects; dt_engine_restore() replays them on resume.
 */
#ifndef DUOTERM_AGENT_ENGINE_H
#define DUOTERM_AGENT_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "duoterm/agent/policy.h"
#include "duoterm/providers/provider.h"

/* ---- the plan -------------------------------------------------------------- */

enum dt_step_status { DT_STEP_NOT_STARTED, DT_STEP_IN_PROGRESS, DT_STEP_DONE, DT_STEP_CANCELLED };

struct dt_plan_step {
	char *title;
	enum dt_step_status status;
};

struct dt_plan {
	struct dt_plan_step *step;
	size_t nr, alloc;
};

#define DT_PLAN_INIT {0}

/* "not_started" "in_progress" "done" "cancelled" (DAP's "Not Started",
 * "In Progress", "Completed", "Cancelled" are read too). */
const char *dt_step_status_name(enum dt_step_status s);
int dt_step_status_parse(const char *name, enum dt_step_status *out);
void dt_plan_add(struct dt_plan *p, const char *title, enum dt_step_status s);
void dt_plan_release(struct dt_plan *p);
void dt_plan_copy(struct dt_plan *dst, const struct dt_plan *src);
/* {"steps":[{"title","status"}]}; parse takes "title" or "description".
 * 0, or -1 with the reason. */
cJSON *dt_plan_to_json(const struct dt_plan *p);
int dt_plan_from_json(struct dt_plan *p, const cJSON *json, struct dt_sb *err);

/* ---- the transcript (what the user sees) ----------------------------------- */

enum dt_entry_kind {
	DT_ENTRY_USER,
	DT_ENTRY_ASSISTANT, /* streamed text */
	DT_ENTRY_REASONING,
	DT_ENTRY_TOOL,      /* a tool call: name, args, then status and result */
	DT_ENTRY_NOTICE,    /* retries, queued input, plan edits, review decisions */
	DT_ENTRY_ERROR,
};

enum dt_tool_status {
	DT_TOOL_PENDING,
	DT_TOOL_AWAITING_APPROVAL,
	DT_TOOL_RUNNING,
	DT_TOOL_SUCCESS,
	DT_TOOL_FAILURE,
	DT_TOOL_CANCELLED,
	DT_TOOL_REFUSED,
};

struct dt_entry {
	enum dt_entry_kind kind;
	struct dt_sb text;    /* message text, or the tool's result */
	char *call_id, *name; /* TOOL */
	char *args;           /* TOOL: arguments as JSON text */
	enum dt_tool_status status;
	unsigned cut : 1;     /* ASSISTANT: the stream was cut here */
};

const char *dt_tool_status_name(enum dt_tool_status s);

/* ---- events ------------------------------------------------------------------ */

enum dt_approval {
	DT_APPROVE_ONCE,
	DT_APPROVE_ALWAYS, /* remember the pattern (REMEMBER effect) */
	DT_APPROVE_NO,     /* with a reason for the model */
};

enum dt_engine_ev_type {
	DT_EEV_USER,        /* text: chat input (starts a turn, or is queued) */
	DT_EEV_PROVIDER,    /* prov: an event of the current request's stream */
	DT_EEV_TOOL_OUTPUT, /* call_id, text, len: streamed output (shown only) */
	DT_EEV_TOOL_RESULT, /* call_id, text, is_error, path (proposed change) */
	DT_EEV_APPROVAL,    /* call_id, approval, text (reason, for NO) */
	DT_EEV_DECISIONS,   /* text: review decisions, JSON (dt_proposal_decisions_json) */
	DT_EEV_PLAN_SET,    /* plan: the user's edited plan (copied) */
	DT_EEV_PAUSE,
	DT_EEV_RESUME,      /* also continues a turn interrupted by a crash */
	DT_EEV_STOP,
	DT_EEV_RETRY,       /* sends the failed request again */
};

struct dt_engine_ev {
	enum dt_engine_ev_type type;
	const struct dt_prov_event *prov;
	const char *call_id;
	const char *text;
	size_t len;
	int is_error;
	const char *path;
	enum dt_approval approval;
	const struct dt_plan *plan;
};

/* ---- effects ----------------------------------------------------------------- */

enum dt_agent_state {
	DT_AGENT_IDLE,      /* waiting for the user */
	DT_AGENT_STREAMING, /* a request is in flight */
	DT_AGENT_TOOLS,     /* a tool is running */
	DT_AGENT_APPROVAL,  /* waiting for an approval */
	DT_AGENT_PAUSED,    /* paused by the user */
};

enum dt_turn_outcome {
	DT_TURN_DONE,    /* the model answered */
	DT_TURN_STOPPED, /* the user stopped it */
	DT_TURN_FAILED,  /* a provider error (message); RETRY may help */
};

enum dt_fx_type {
	DT_FX_REQUEST,        /* request: stream it (the previous stream has ended) */
	DT_FX_CANCEL_REQUEST, /* cancel the stream in flight */
	DT_FX_RUN_TOOL,       /* call_id, name, args: run; answer with TOOL_RESULT */
	DT_FX_CANCEL_TOOL,    /* call_id: kill it; a TOOL_RESULT is no longer expected */
	DT_FX_ASK_APPROVAL,   /* call_id, name, args, subject, pattern */
	DT_FX_REMEMBER,       /* pattern: persist this allow-pattern for the project */
	DT_FX_PLAN,           /* plan changed */
	DT_FX_ENTRY,          /* entry (index) was added or changed; delta: text added */
	DT_FX_PROPOSAL,       /* path: the tool proposed a change to it */
	DT_FX_USAGE,          /* usage: the request's token counts */
	DT_FX_STATE,          /* state changed */
	DT_FX_RECORD,         /* record: append it to the journal */
	DT_FX_TURN_DONE,      /* outcome, message */
};

struct dt_fx {
	enum dt_fx_type type;
	const struct dt_prov_request *request;
	const char *call_id, *name;
	const cJSON *args;
	const char *subject, *pattern;
	const struct dt_plan *plan;
	size_t index;
	const struct dt_entry *entry;
	const char *delta;
	size_t delta_len;
	const char *path;
	struct dt_prov_usage usage;
	enum dt_agent_state state;
	const cJSON *record;
	enum dt_turn_outcome outcome;
	const char *message;
};

typedef void (*dt_engine_emit)(const struct dt_fx *fx, void *ud);

struct dt_engine_opts {
	dt_engine_emit emit;
	void *ud;
	const char *system;             /* base system prompt (the plan is appended) */
	const char *model;              /* NULL: the provider's */
	const struct dt_prov_tool *tools; /* advertised to the model (borrowed) */
	size_t n_tools;
	struct dt_policy *policy;       /* borrowed; NULL: everything needs approval */
	unsigned max_requests;          /* per turn; 0: 100 */
	unsigned cut_retries;           /* automatic re-sends of a cut stream; default 1 */
	unsigned max_tokens;
};

#define DT_ENGINE_OPTS_INIT {.cut_retries = 1}

struct dt_engine;

struct dt_engine *dt_engine_new(const struct dt_engine_opts *opts);
void dt_engine_free(struct dt_engine *e);

void dt_engine_feed(struct dt_engine *e, const struct dt_engine_ev *ev);

/* Replays one journal record (from a RECORD effect) without emitting
 * anything; then dt_engine_restored() settles the state: calls that never
 * started run again, calls that were running get an "interrupted" error,
 * and RESUME continues a turn that was under way (or re-sends the request
 * of a turn that failed). Returns 1 if so. */
int dt_engine_restore(struct dt_engine *e, const cJSON *record);
int dt_engine_restored(struct dt_engine *e);

enum dt_agent_state dt_engine_state(const struct dt_engine *e);
const struct dt_plan *dt_engine_plan(const struct dt_engine *e);
size_t dt_engine_entries(const struct dt_engine *e, const struct dt_entry **out);
const char *dt_agent_state_name(enum dt_agent_state s);
const char *dt_turn_outcome_name(enum dt_turn_outcome o);
/* Whether a turn is under way (not idle, or interrupted and resumable). */
int dt_engine_busy(const struct dt_engine *e);

#endif
