/*
 * The Duo Agent Platform wire codec (protocols/dap.md §5–6): pure functions,
 * no I/O, for the remote driver (remote.h), its tests and its fuzz target.
 *
 * Parsing is lenient: proto names and JSON (camelCase) names are both read,
 * absent, null and default values are the same thing, unknown fields and
 * actions are ignored (an unknown action still yields its requestID so it
 * can be answered with an error).
 */
#ifndef DUOTERM_AGENT_DAP_H
#define DUOTERM_AGENT_DAP_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "duoterm/agent/engine.h"
#include "duoterm/core/strbuf.h"

enum dt_dap_kind {
	DT_DAP_UNKNOWN,
	DT_DAP_CHECKPOINT,     /* newCheckpoint: no response */
	DT_DAP_READ_FILE,      /* runReadFile */
	DT_DAP_READ_FILES,     /* runReadFiles */
	DT_DAP_WRITE_FILE,     /* runWriteFile */
	DT_DAP_EDIT_FILE,      /* runEditFile */
	DT_DAP_LIST_DIR,       /* listDirectory */
	DT_DAP_FIND_FILES,     /* findFiles */
	DT_DAP_GREP,           /* grep */
	DT_DAP_MKDIR,          /* mkdir */
	DT_DAP_RUN_COMMAND,    /* runCommand */
	DT_DAP_SHELL_COMMAND,  /* runShellCommand */
	DT_DAP_GIT_COMMAND,    /* runGitCommand */
	DT_DAP_MCP_TOOL,       /* runMCPTool */
	DT_DAP_HTTP_REQUEST,   /* runHTTPRequest (Workhorse's own) */
	DT_DAP_NOTIFICATION,   /* scheduleNotification */
};

enum dt_dap_status {
	DT_DAP_ST_UNKNOWN,
	DT_DAP_ST_CREATED,
	DT_DAP_ST_RUNNING,
	DT_DAP_ST_PAUSED,
	DT_DAP_ST_INPUT_REQUIRED,
	DT_DAP_ST_PLAN_APPROVAL_REQUIRED,
	DT_DAP_ST_TOOL_CALL_APPROVAL_REQUIRED,
	DT_DAP_ST_FINISHED,
	DT_DAP_ST_FAILED,
	DT_DAP_ST_STOPPED,
};

struct dt_dap_action {
	enum dt_dap_kind kind;
	char *request_id;    /* "" when absent */
	char *name;          /* the action's key, e.g. "runReadFile"; "" when none */
	cJSON *body;         /* the action's object (owned), or NULL */
	/* newCheckpoint */
	enum dt_dap_status status;
	char *status_text;   /* as sent */
	char *checkpoint;    /* JSON text, or NULL */
	char *errors;        /* errors[] joined by "; ", or NULL */
};

/* Parses one server message.  0, or -1 with the reason (not JSON, not an
 * object).  An object without a known action is kind UNKNOWN, not an error. */
int dt_dap_parse_action(const char *data, size_t len, struct dt_dap_action *out,
			struct dt_sb *err);
void dt_dap_action_release(struct dt_dap_action *a);
const char *dt_dap_kind_name(enum dt_dap_kind k);

enum dt_dap_status dt_dap_status_parse(const char *s);
const char *dt_dap_status_name(enum dt_dap_status s);

/*
 * The local tool (tools.h) that executes an action, and its arguments
 * (*args is new, the caller frees it).  0, or -1 with the error to send
 * back in the actionResponse (runHTTPRequest, unknown, malformed).
 * runMCPTool's tool is its name (an MCP tool of tools_mcp.c; it points
 * into the action, valid while `a` is), its arguments the parsed "args".
 */
int dt_dap_to_tool(const struct dt_dap_action *a, const char **tool, cJSON **args,
		   struct dt_sb *err);

/* ---- checkpoints -------------------------------------------------------- */

enum dt_dap_msg_type {
	DT_DAP_MSG_AGENT,
	DT_DAP_MSG_USER,
	DT_DAP_MSG_TOOL,
	DT_DAP_MSG_REQUEST,
	DT_DAP_MSG_WORKFLOW_END,
	DT_DAP_MSG_OTHER,
};

struct dt_dap_chat {
	enum dt_dap_msg_type type;
	char *message_id;    /* as sent, or synthesised when absent */
	char *content;       /* "" when absent */
	char *status;        /* tools: pending success failure ...; "" */
	char *tool_name;     /* tool_info.name, or NULL */
	char *tool_args;     /* tool_info.args as JSON text, or NULL */
	char *tool_response; /* tool_info.tool_response (string, or its content), or NULL */
	char *sub_type;      /* message_sub_type or NULL */
};

struct dt_dap_checkpoint {
	struct dt_plan plan;
	int has_plan;        /* channel_values.plan.steps was present */
	struct dt_dap_chat *chat;
	size_t n_chat;
};

#define DT_DAP_CHECKPOINT_INIT {DT_PLAN_INIT, 0, NULL, 0}

/* Parses newCheckpoint.checkpoint (JSON text).  0 or -1 with the reason. */
int dt_dap_parse_checkpoint(const char *text, struct dt_dap_checkpoint *out, struct dt_sb *err);
void dt_dap_checkpoint_release(struct dt_dap_checkpoint *c);
/* The tool status of a chat entry's "status". */
enum dt_tool_status dt_dap_tool_status(const char *status);

/* ---- client messages (newly allocated JSON text) ------------------------- */

struct dt_dap_start {
	const char *workflow_id;
	const char *client_version;
	const char *workflow_definition;
	const char *goal;
	const char *metadata_json;           /* workflowMetadata, JSON text; NULL: "{}" */
	const char *const *capabilities;     /* NULL-terminated */
	const char *const *preapproved;      /* preapproved_tools, NULL-terminated */
	const cJSON *additional_context;     /* array, borrowed; may be NULL */
	const cJSON *mcp_tools;              /* mcpTools [{name, description, inputSchema
					      * (JSON text)}], borrowed; may be NULL */
	/* approval: 0 none, 1 approve, 2 reject */
	int approval;
	const char *approval_tool, *approval_args; /* approve */
	int remember;
	const char *rejection_message;       /* reject; may be NULL */
};

char *dt_dap_start_request(const struct dt_dap_start *s);
/* plainTextResponse {response, error}; error NULL or "" for success. */
char *dt_dap_action_response(const char *request_id, const char *response, const char *error);
char *dt_dap_notification_response(const char *request_id, int accepted, const char *reason);
char *dt_dap_heartbeat(uint64_t unix_ms);
char *dt_dap_stop(const char *reason);

/* One additional_context item {category, id, content, metadata:"{}"}
 * appended to arr. */
void dt_dap_add_context(cJSON *arr, const char *category, const char *id, const char *content,
			const char *metadata_json);

#endif
