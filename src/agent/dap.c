/* The Duo Agent Platform wire codec (dap.h). */
#include "duoterm/agent/dap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *name;
	enum dt_dap_kind kind;
} actions[] = {
	{"newCheckpoint", DT_DAP_CHECKPOINT},
	{"runReadFile", DT_DAP_READ_FILE},
	{"runReadFiles", DT_DAP_READ_FILES},
	{"runWriteFile", DT_DAP_WRITE_FILE},
	{"runEditFile", DT_DAP_EDIT_FILE},
	{"listDirectory", DT_DAP_LIST_DIR},
	{"findFiles", DT_DAP_FIND_FILES},
	{"grep", DT_DAP_GREP},
	{"mkdir", DT_DAP_MKDIR},
	{"runCommand", DT_DAP_RUN_COMMAND},
	{"runShellCommand", DT_DAP_SHELL_COMMAND},
	{"runGitCommand", DT_DAP_GIT_COMMAND},
	{"runMCPTool", DT_DAP_MCP_TOOL},
	{"runHTTPRequest", DT_DAP_HTTP_REQUEST},
	{"scheduleNotification", DT_DAP_NOTIFICATION},
	/* proto names of the camelCase keys, in case a gateway emits them */
	{"new_checkpoint", DT_DAP_CHECKPOINT},
	{"run_read_file", DT_DAP_READ_FILE},
	{"run_read_files", DT_DAP_READ_FILES},
	{"run_write_file", DT_DAP_WRITE_FILE},
	{"run_edit_file", DT_DAP_EDIT_FILE},
	{"list_directory", DT_DAP_LIST_DIR},
	{"find_files", DT_DAP_FIND_FILES},
	{"run_command", DT_DAP_RUN_COMMAND},
	{"run_shell_command", DT_DAP_SHELL_COMMAND},
	{"run_git_command", DT_DAP_GIT_COMMAND},
	{"run_mcp_tool", DT_DAP_MCP_TOOL},
	{"schedule_notification", DT_DAP_NOTIFICATION},
};

static const char *const status_names[] = {
	"UNKNOWN", "CREATED", "RUNNING", "PAUSED", "INPUT_REQUIRED", "PLAN_APPROVAL_REQUIRED",
	"TOOL_CALL_APPROVAL_REQUIRED", "FINISHED", "FAILED", "STOPPED",
};

const char *dt_dap_kind_name(enum dt_dap_kind k)
{
	for (size_t i = 0; i < N_ELEM(actions); i++)
		if (actions[i].kind == k)
			return actions[i].name;
	return "unknown";
}

const char *dt_dap_status_name(enum dt_dap_status s)
{
	return (size_t)s < N_ELEM(status_names) ? status_names[s] : "UNKNOWN";
}

enum dt_dap_status dt_dap_status_parse(const char *s)
{
	if (!s)
		return DT_DAP_ST_UNKNOWN;
	for (size_t i = 1; i < N_ELEM(status_names); i++)
		if (!strcasecmp(s, status_names[i]))
			return (enum dt_dap_status)i;
	if (!strcasecmp(s, "COMPLETED"))
		return DT_DAP_ST_FINISHED;
	if (!strcasecmp(s, "CANCELLED") || !strcasecmp(s, "CANCELED"))
		return DT_DAP_ST_STOPPED;
	if (!strcasecmp(s, "NOT_STARTED"))
		return DT_DAP_ST_CREATED;
	return DT_DAP_ST_UNKNOWN;
}

/* ---- lenient field access ---------------------------------------------------- */

static const cJSON *field(const cJSON *o, const char *a, const char *b)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, a);

	if ((!v || cJSON_IsNull(v)) && b)
		v = cJSON_GetObjectItemCaseSensitive(o, b);
	return v && !cJSON_IsNull(v) ? v : NULL;
}

static const char *str(const cJSON *o, const char *a, const char *b)
{
	return cJSON_GetStringValue(field(o, a, b));
}

static char *dup_or(const char *s, const char *def)
{
	return s ? dt_xstrdup(s) : def ? dt_xstrdup(def) : NULL;
}

/* ---- actions ----------------------------------------------------------------- */

static void parse_checkpoint_action(struct dt_dap_action *a)
{
	const cJSON *errs = field(a->body, "errors", NULL), *e;
	struct dt_sb sb = DT_SB_INIT;

	a->status_text = dup_or(str(a->body, "status", NULL), "");
	a->status = dt_dap_status_parse(a->status_text);
	a->checkpoint = dup_or(str(a->body, "checkpoint", NULL), NULL);
	cJSON_ArrayForEach(e, errs) {
		if (!cJSON_IsString(e) || !*e->valuestring)
			continue;
		if (sb.len)
			dt_sb_adds(&sb, "; ");
		dt_sb_adds(&sb, e->valuestring);
	}
	if (sb.len)
		a->errors = dt_sb_detach(&sb, NULL);
	dt_sb_release(&sb);
}

int dt_dap_parse_action(const char *data, size_t len, struct dt_dap_action *out,
			struct dt_sb *err)
{
	cJSON *root = cJSON_ParseWithLength(data, len);
	const char *rid;

	memset(out, 0, sizeof(*out));
	if (!cJSON_IsObject(root)) {
		dt_sb_adds(err, root ? "the message is not a JSON object" : "the message is not JSON");
		cJSON_Delete(root);
		return -1;
	}
	rid = str(root, "requestID", "requestId");
	if (!rid)
		rid = str(root, "request_id", NULL);
	out->request_id = dup_or(rid, "");
	for (size_t i = 0; i < N_ELEM(actions); i++) {
		cJSON *v = cJSON_GetObjectItemCaseSensitive(root, actions[i].name);

		if (!cJSON_IsObject(v))
			continue;
		out->kind = actions[i].kind;
		out->name = dt_xstrdup(actions[i].name);
		out->body = cJSON_DetachItemViaPointer(root, v);
		break;
	}
	if (!out->name)
		out->name = dt_xstrdup("");
	if (out->kind == DT_DAP_CHECKPOINT)
		parse_checkpoint_action(out);
	cJSON_Delete(root);
	return 0;
}

void dt_dap_action_release(struct dt_dap_action *a)
{
	free(a->request_id);
	free(a->name);
	cJSON_Delete(a->body);
	free(a->status_text);
	free(a->checkpoint);
	free(a->errors);
	memset(a, 0, sizeof(*a));
}

/* ---- action -> tool -------------------------------------------------------------- */

static int need(const char *v, const char *what, struct dt_sb *err)
{
	if (v && *v)
		return 0;
	dt_sb_addf(err, "malformed action: %s is missing", what);
	return -1;
}

static void add_pos(cJSON *args, const char *key, const cJSON *v)
{
	if (cJSON_IsNumber(v) && v->valuedouble > 0)
		cJSON_AddNumberToObject(args, key, v->valuedouble);
	else if (cJSON_IsString(v) && atol(v->valuestring) > 0) /* int64 as a JSON string */
		cJSON_AddNumberToObject(args, key, (double)atol(v->valuestring));
}

static int map_files(const cJSON *b, enum dt_dap_kind k, cJSON *args, struct dt_sb *err)
{
	const char *path = str(b, "filepath", "file_path");
	const cJSON *paths;

	switch (k) {
	case DT_DAP_READ_FILE:
		if (need(path, "filepath", err))
			return -1;
		cJSON_AddStringToObject(args, "file_path", path);
		add_pos(args, "offset", field(b, "offset", NULL));
		add_pos(args, "limit", field(b, "limit", NULL));
		return 0;
	case DT_DAP_READ_FILES:
		paths = field(b, "filepaths", "file_paths");
		if (!cJSON_IsArray(paths))
			return need(NULL, "filepaths", err);
		cJSON_AddItemToObject(args, "file_paths", cJSON_Duplicate(paths, 1));
		return 0;
	case DT_DAP_WRITE_FILE:
		if (need(path, "filepath", err))
			return -1;
		cJSON_AddStringToObject(args, "file_path", path);
		cJSON_AddStringToObject(args, "contents", str(b, "contents", NULL) ?
					str(b, "contents", NULL) : "");
		return 0;
	default: /* EDIT_FILE */
		if (need(path, "filepath", err) ||
		    need(str(b, "oldString", "old_string"), "oldString", err))
			return -1;
		cJSON_AddStringToObject(args, "file_path", path);
		cJSON_AddStringToObject(args, "old_str", str(b, "oldString", "old_string"));
		cJSON_AddStringToObject(args, "new_str", str(b, "newString", "new_string") ?
					str(b, "newString", "new_string") : "");
		return 0;
	}
}

static int map_search(const cJSON *b, enum dt_dap_kind k, cJSON *args, struct dt_sb *err)
{
	const char *s;
	const cJSON *ci;

	switch (k) {
	case DT_DAP_LIST_DIR:
		s = str(b, "directory", NULL);
		cJSON_AddStringToObject(args, "directory", s && *s ? s : ".");
		return 0;
	case DT_DAP_FIND_FILES:
		s = str(b, "name_pattern", "namePattern");
		if (need(s, "name_pattern", err))
			return -1;
		cJSON_AddStringToObject(args, "name_pattern", s);
		return 0;
	case DT_DAP_GREP:
		s = str(b, "pattern", NULL);
		if (need(s, "pattern", err))
			return -1;
		cJSON_AddStringToObject(args, "pattern", s);
		s = str(b, "search_directory", "searchDirectory");
		cJSON_AddStringToObject(args, "search_directory", s && *s ? s : ".");
		ci = field(b, "case_insensitive", "caseInsensitive");
		cJSON_AddBoolToObject(args, "case_insensitive", cJSON_IsTrue(ci));
		return 0;
	default: /* MKDIR */
		s = str(b, "directory_path", "directoryPath");
		if (need(s, "directory_path", err))
			return -1;
		cJSON_AddStringToObject(args, "directory_path", s);
		return 0;
	}
}

static void add_string_array(cJSON *to, const char *key, const cJSON *arr)
{
	cJSON *out = cJSON_AddArrayToObject(to, key);
	const cJSON *w;

	cJSON_ArrayForEach(w, arr)
		if (cJSON_IsString(w))
			cJSON_AddItemToArray(out, cJSON_CreateString(w->valuestring));
}

/* runCommand{program:"git", ...} is DWS's run_git_command: the git tool. */
static int map_git_program(const cJSON *b, cJSON *args, struct dt_sb *err)
{
	const cJSON *arr[2] = {field(b, "flags", NULL), field(b, "arguments", NULL)}, *w;
	cJSON *rest = cJSON_CreateArray();
	const char *sub = NULL;

	for (int i = 0; i < 2; i++)
		cJSON_ArrayForEach(w, arr[i]) {
			if (!cJSON_IsString(w))
				continue;
			if (!sub && w->valuestring[0] != '-')
				sub = w->valuestring;
			else
				cJSON_AddItemToArray(rest, cJSON_CreateString(w->valuestring));
		}
	if (need(sub, "the git subcommand", err)) {
		cJSON_Delete(rest);
		return -1;
	}
	cJSON_AddStringToObject(args, "command", sub);
	cJSON_AddItemToObject(args, "args", rest);
	return 0;
}

static int map_commands(const cJSON *b, enum dt_dap_kind k, const char **tool, cJSON *args,
			struct dt_sb *err)
{
	const char *s;

	add_pos(args, "timeout", field(b, "timeout", NULL));
	switch (k) {
	case DT_DAP_SHELL_COMMAND:
		s = str(b, "command", NULL);
		if (need(s, "command", err))
			return -1;
		cJSON_AddStringToObject(args, "command", s);
		return 0;
	case DT_DAP_GIT_COMMAND:
		*tool = "git";
		s = str(b, "command", NULL);
		if (need(s, "command", err))
			return -1;
		cJSON_AddStringToObject(args, "command", s);
		s = str(b, "arguments", NULL);
		if (s)
			cJSON_AddStringToObject(args, "args", s);
		return 0;
	default: /* RUN_COMMAND */
		s = str(b, "program", NULL);
		if (need(s, "program", err))
			return -1;
		if (!strcmp(s, "git")) {
			*tool = "git";
			return map_git_program(b, args, err);
		}
		cJSON_AddStringToObject(args, "program", s);
		add_string_array(args, "flags", field(b, "flags", NULL));
		add_string_array(args, "arguments", field(b, "arguments", NULL));
		return 0;
	}
}

static const char *tool_of(enum dt_dap_kind k)
{
	switch (k) {
	case DT_DAP_READ_FILE: return "read_file";
	case DT_DAP_READ_FILES: return "read_files";
	case DT_DAP_WRITE_FILE: return "write_file";
	case DT_DAP_EDIT_FILE: return "edit_file";
	case DT_DAP_LIST_DIR: return "list_dir";
	case DT_DAP_FIND_FILES: return "find_files";
	case DT_DAP_GREP: return "grep";
	case DT_DAP_MKDIR: return "mkdir";
	case DT_DAP_RUN_COMMAND:
	case DT_DAP_SHELL_COMMAND: return "run_command";
	case DT_DAP_GIT_COMMAND: return "git";
	default: return NULL;
	}
}

/* runMCPTool {name, args}: args is JSON text (an object), or an object. */
static int map_mcp(const cJSON *b, const char **tool, cJSON **args, struct dt_sb *err)
{
	const cJSON *v = field(b, "args", NULL);

	*tool = str(b, "name", NULL);
	if (need(*tool, "the MCP tool's name", err))
		return -1;
	if (cJSON_IsString(v) && *v->valuestring)
		*args = cJSON_Parse(v->valuestring);
	else if (cJSON_IsObject(v))
		*args = cJSON_Duplicate(v, 1);
	else if (!v || cJSON_IsNull(v) || cJSON_IsString(v))
		*args = cJSON_CreateObject();
	if (!cJSON_IsObject(*args)) {
		cJSON_Delete(*args);
		*args = NULL;
		dt_sb_addf(err, "the arguments of MCP tool %s are not a JSON object", *tool);
		return -1;
	}
	return 0;
}

static int unsupported(const struct dt_dap_action *a, struct dt_sb *err)
{
	switch (a->kind) {
	case DT_DAP_HTTP_REQUEST:
		dt_sb_adds(err, "runHTTPRequest is executed by GitLab (Workhorse), not by the client");
		break;
	case DT_DAP_NOTIFICATION:
		dt_sb_adds(err, "scheduled notifications are not supported by duoterm");
		break;
	case DT_DAP_CHECKPOINT:
		dt_sb_adds(err, "a checkpoint is not a tool call");
		break;
	default:
		dt_sb_addf(err, "unknown action%s%s", *a->name ? " " : "", a->name);
		break;
	}
	return -1;
}

int dt_dap_to_tool(const struct dt_dap_action *a, const char **tool, cJSON **args,
		   struct dt_sb *err)
{
	const cJSON *b = a->body;
	int rc;

	*args = NULL;
	if (a->kind == DT_DAP_MCP_TOOL)
		return map_mcp(b, tool, args, err);
	*tool = tool_of(a->kind);
	if (!*tool)
		return unsupported(a, err);
	*args = cJSON_CreateObject();
	switch (a->kind) {
	case DT_DAP_READ_FILE:
	case DT_DAP_READ_FILES:
	case DT_DAP_WRITE_FILE:
	case DT_DAP_EDIT_FILE:
		rc = map_files(b, a->kind, *args, err);
		break;
	case DT_DAP_LIST_DIR:
	case DT_DAP_FIND_FILES:
	case DT_DAP_GREP:
	case DT_DAP_MKDIR:
		rc = map_search(b, a->kind, *args, err);
		break;
	default:
		rc = map_commands(b, a->kind, tool, *args, err);
		break;
	}
	if (rc) {
		cJSON_Delete(*args);
		*args = NULL;
	}
	return rc;
}

/* ---- checkpoints ----------------------------------------------------------------- */

static enum dt_dap_msg_type msg_type(const char *s)
{
	static const char *const names[] = {"agent", "user", "tool", "request", "workflow_end"};

	for (size_t i = 0; s && i < N_ELEM(names); i++)
		if (!strcasecmp(s, names[i]))
			return (enum dt_dap_msg_type)i;
	return DT_DAP_MSG_OTHER;
}

enum dt_tool_status dt_dap_tool_status(const char *s)
{
	if (!s || !*s || !strcasecmp(s, "pending"))
		return DT_TOOL_PENDING;
	if (!strcasecmp(s, "success"))
		return DT_TOOL_SUCCESS;
	if (!strcasecmp(s, "cancelled") || !strcasecmp(s, "canceled"))
		return DT_TOOL_CANCELLED;
	if (!strcasecmp(s, "running"))
		return DT_TOOL_RUNNING;
	return DT_TOOL_FAILURE; /* failure, timed_out, anything else */
}

static char *json_text(const cJSON *v)
{
	if (!v)
		return NULL;
	if (cJSON_IsString(v))
		return dt_xstrdup(v->valuestring);
	return cJSON_PrintUnformatted(v);
}

static void parse_tool_info(struct dt_dap_chat *c, const cJSON *ti)
{
	const cJSON *resp;

	if (!cJSON_IsObject(ti))
		return;
	c->tool_name = dup_or(str(ti, "name", NULL), NULL);
	c->tool_args = json_text(field(ti, "args", NULL));
	resp = field(ti, "tool_response", "toolResponse");
	if (cJSON_IsObject(resp) && cJSON_IsString(field(resp, "content", NULL)))
		resp = field(resp, "content", NULL);
	c->tool_response = json_text(resp);
}

static void parse_chat(struct dt_dap_chat *c, const cJSON *e, size_t index)
{
	const char *id = str(e, "message_id", "messageId");
	char synth[48];

	c->type = msg_type(str(e, "message_type", "messageType"));
	if (!id || !*id) {
		id = str(e, "correlation_id", "correlationId");
		snprintf(synth, sizeof(synth), "#%zu", index);
		if (!id || !*id || c->type != DT_DAP_MSG_TOOL)
			id = synth;
	}
	c->message_id = dt_xstrdup(id);
	c->content = dup_or(str(e, "content", NULL), "");
	c->status = dup_or(str(e, "status", NULL), "");
	c->sub_type = dup_or(str(e, "message_sub_type", "messageSubType"), NULL);
	parse_tool_info(c, field(e, "tool_info", "toolInfo"));
}

static void parse_plan(struct dt_dap_checkpoint *c, const cJSON *plan)
{
	const cJSON *steps = field(plan, "steps", NULL), *s;
	enum dt_step_status st;

	if (!cJSON_IsArray(steps))
		return;
	c->has_plan = 1;
	cJSON_ArrayForEach(s, steps) {
		const char *d = str(s, "description", "title");

		if (!d)
			continue;
		if (dt_step_status_parse(str(s, "status", NULL) ? str(s, "status", NULL) : "",
					 &st))
			st = DT_STEP_NOT_STARTED;
		dt_plan_add(&c->plan, d, st);
	}
}

int dt_dap_parse_checkpoint(const char *text, struct dt_dap_checkpoint *out, struct dt_sb *err)
{
	cJSON *root = text ? cJSON_Parse(text) : NULL;
	const cJSON *cv, *log, *e;
	size_t i = 0;

	*out = (struct dt_dap_checkpoint)DT_DAP_CHECKPOINT_INIT;
	if (!cJSON_IsObject(root)) {
		dt_sb_adds(err, "the checkpoint is not a JSON object");
		cJSON_Delete(root);
		return -1;
	}
	cv = field(root, "channel_values", "channelValues");
	if (!cv)
		cv = root; /* lenient: the channel values themselves */
	parse_plan(out, field(cv, "plan", NULL));
	log = field(cv, "ui_chat_log", "uiChatLog");
	if (cJSON_IsArray(log)) {
		out->chat = calloc((size_t)cJSON_GetArraySize(log) + 1, sizeof(*out->chat));
		if (!out->chat)
			dt_die_oom();
		cJSON_ArrayForEach(e, log) {
			if (cJSON_IsObject(e))
				parse_chat(&out->chat[out->n_chat++], e, i);
			i++;
		}
	}
	cJSON_Delete(root);
	return 0;
}

void dt_dap_checkpoint_release(struct dt_dap_checkpoint *c)
{
	for (size_t i = 0; i < c->n_chat; i++) {
		struct dt_dap_chat *m = &c->chat[i];

		free(m->message_id);
		free(m->content);
		free(m->status);
		free(m->tool_name);
		free(m->tool_args);
		free(m->tool_response);
		free(m->sub_type);
	}
	free(c->chat);
	dt_plan_release(&c->plan);
	*c = (struct dt_dap_checkpoint)DT_DAP_CHECKPOINT_INIT;
}

/* ---- client messages ----------------------------------------------------------------- */

static char *wrap(const char *key, cJSON *inner)
{
	cJSON *o = cJSON_CreateObject();
	char *text;

	cJSON_AddItemToObject(o, key, inner);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!text)
		dt_die_oom();
	return text;
}

static void add_strings(cJSON *o, const char *key, const char *const *list)
{
	cJSON *arr = cJSON_AddArrayToObject(o, key);

	for (; list && *list; list++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(*list));
}

static void add_approval(cJSON *o, const struct dt_dap_start *s)
{
	cJSON *ap = cJSON_AddObjectToObject(o, "approval"), *in;

	if (s->approval == 1) {
		in = cJSON_AddObjectToObject(ap, "approval");
		if (s->approval_tool)
			cJSON_AddStringToObject(in, "tool_name", s->approval_tool);
		if (s->approval_args)
			cJSON_AddStringToObject(in, "tool_args_json", s->approval_args);
		if (s->remember)
			cJSON_AddBoolToObject(in, "remember_approval", 1);
		cJSON_AddStringToObject(in, "approval_source", "APPROVAL_SOURCE_USER_EXPLICIT");
	} else {
		in = cJSON_AddObjectToObject(ap, "rejection");
		if (s->rejection_message && *s->rejection_message)
			cJSON_AddStringToObject(in, "message", s->rejection_message);
	}
}

char *dt_dap_start_request(const struct dt_dap_start *s)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "clientVersion", s->client_version ? s->client_version : "");
	cJSON_AddStringToObject(o, "workflowID", s->workflow_id ? s->workflow_id : "");
	cJSON_AddStringToObject(o, "workflowDefinition",
				s->workflow_definition ? s->workflow_definition : "chat");
	cJSON_AddStringToObject(o, "goal", s->goal ? s->goal : "");
	cJSON_AddStringToObject(o, "workflowMetadata", s->metadata_json ? s->metadata_json : "{}");
	add_strings(o, "clientCapabilities", s->capabilities);
	cJSON_AddItemToObject(o, "additional_context", s->additional_context ?
			      cJSON_Duplicate(s->additional_context, 1) : cJSON_CreateArray());
	add_strings(o, "preapproved_tools", s->preapproved);
	if (s->mcp_tools)
		cJSON_AddItemToObject(o, "mcpTools", cJSON_Duplicate(s->mcp_tools, 1));
	if (s->approval)
		add_approval(o, s);
	return wrap("startRequest", o);
}

char *dt_dap_action_response(const char *request_id, const char *response, const char *error)
{
	cJSON *o = cJSON_CreateObject(), *p;

	cJSON_AddStringToObject(o, "requestID", request_id ? request_id : "");
	p = cJSON_AddObjectToObject(o, "plainTextResponse");
	cJSON_AddStringToObject(p, "response", response ? response : "");
	cJSON_AddStringToObject(p, "error", error ? error : "");
	return wrap("actionResponse", o);
}

char *dt_dap_notification_response(const char *request_id, int accepted, const char *reason)
{
	cJSON *o = cJSON_CreateObject(), *p;

	cJSON_AddStringToObject(o, "requestID", request_id ? request_id : "");
	p = cJSON_AddObjectToObject(o, "scheduleNotificationResponse");
	cJSON_AddBoolToObject(p, "accepted", accepted);
	cJSON_AddStringToObject(p, "reason", reason ? reason : "");
	return wrap("actionResponse", o);
}

char *dt_dap_heartbeat(uint64_t unix_ms)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "timestamp", (double)unix_ms);
	return wrap("heartbeat", o);
}

char *dt_dap_stop(const char *reason)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "reason", reason ? reason : "USER_ACTION_TRIGGERED_STOP");
	return wrap("stopWorkflow", o);
}

void dt_dap_add_context(cJSON *arr, const char *category, const char *id, const char *content,
			const char *metadata_json)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "category", category);
	cJSON_AddStringToObject(o, "id", id ? id : "");
	cJSON_AddStringToObject(o, "content", content ? content : "");
	cJSON_AddStringToObject(o, "metadata", metadata_json ? metadata_json : "{}");
	cJSON_AddItemToArray(arr, o);
}
