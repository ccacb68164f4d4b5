/*
 * The MCP wire codec: JSON-RPC 2.0 messages as MCP servers send them
 * (newline-delimited over stdio), the parts of MCP results duoterm reads
 * (initialize, tools/list, tools/call) and the `.gitlab/duo/mcp.json`
 * configuration.  Pure functions, no I/O except dt_mcp_config_load; the
 * parsers take outside input (tests/fuzz/fuzz_mcp.c).
 */
#ifndef DUOTERM_MCP_JSONRPC_H
#define DUOTERM_MCP_JSONRPC_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "duoterm/core/strbuf.h"

/* The version duoterm offers, and the ones it accepts in the answer. */
#define DT_MCP_PROTOCOL "2025-06-18"
int dt_mcp_version_ok(const char *v);

enum dt_rpc_kind {
	DT_RPC_RESULT,       /* an answer: id + result */
	DT_RPC_ERROR,        /* an answer: id (may be absent) + error */
	DT_RPC_NOTIFICATION, /* method, no id */
	DT_RPC_REQUEST,      /* method + id: the server asks us (ping, roots/list ...) */
};

struct dt_rpc_msg {
	enum dt_rpc_kind kind;
	long long id;         /* -1 when absent or not an integer we could have sent */
	const char *method;   /* notifications and requests (points into root) */
	const cJSON *result;  /* DT_RPC_RESULT (points into root) */
	const cJSON *id_json; /* a request's id as sent, to answer it (points into root) */
	int code;             /* DT_RPC_ERROR */
	const char *message;  /* DT_RPC_ERROR; "" when absent */
	cJSON *root;
};

/* Parses one message (one line).  0, or -1 with the reason (not JSON, not
 * an object, not JSON-RPC 2.0, a batch).  Release with dt_rpc_release. */
int dt_rpc_parse(const char *data, size_t len, struct dt_rpc_msg *m, struct dt_sb *err);
void dt_rpc_release(struct dt_rpc_msg *m);

/* One line of JSON text ending in '\n' (params is taken; may be NULL). */
void dt_rpc_request(struct dt_sb *out, long long id, const char *method, cJSON *params);
void dt_rpc_notify(struct dt_sb *out, const char *method, cJSON *params);
/* The answer to a server's request: result (taken) or, when NULL, the error. */
void dt_rpc_answer(struct dt_sb *out, const cJSON *id, cJSON *result, int code,
		   const char *message);

/* The initialize request's params. */
cJSON *dt_mcp_initialize_params(void);
/* Checks an initialize result: 0 with the server's name in `name` (may
 * stay empty), or -1 with the reason (a version duoterm does not speak). */
int dt_mcp_check_initialize(const cJSON *result, struct dt_sb *name, struct dt_sb *err);

struct dt_mcp_tool {
	char *name;        /* as the server names it */
	char *description; /* "" when absent */
	cJSON *schema;     /* inputSchema (owned); {"type":"object"} when absent */
};

/* Appends the tools of one tools/list page to *tools (n, alloc as with
 * realloc).  *cursor gets nextCursor (new) or NULL.  0, or -1 with the
 * reason (no "tools" array).  Tools without a name are skipped. */
int dt_mcp_parse_tools(const cJSON *result, struct dt_mcp_tool **tools, size_t *n,
		       char **cursor, struct dt_sb *err);
void dt_mcp_tools_free(struct dt_mcp_tool *tools, size_t n);

/* A tools/call result as text for the model: text content joined by
 * newlines, images, audio and resources summarised, structuredContent
 * used when there is no text.  Returns isError (0/1), or -1 when the
 * result is not a tools/call result (the text says why). */
int dt_mcp_result_text(const cJSON *result, struct dt_sb *out);

/* ---- configuration ------------------------------------------------------- */

enum dt_mcp_transport { DT_MCP_STDIO, DT_MCP_HTTP, DT_MCP_SSE };

struct dt_mcp_server_conf {
	char *name;
	enum dt_mcp_transport type;
	char **argv;    /* stdio: command + args, NULL-terminated */
	char **env;     /* stdio: "KEY=value", NULL-terminated (may be NULL) */
	char *cwd;      /* stdio: NULL = the work tree */
	char *url;      /* http/sse */
	char **headers; /* http/sse: "Name: value", NULL-terminated (may be NULL) */
	int disabled;
	char *origin;   /* the file it came from */
};

struct dt_mcp_config {
	struct dt_mcp_server_conf *servers;
	size_t n;
};

/* Reads {"mcpServers": {name: {...}}} from text; a server already in c
 * with the same name is replaced (workspace settings override user
 * settings).  0, or -1 with the reason; servers that are malformed are
 * skipped with their reason appended to err (and 0 returned). */
int dt_mcp_config_parse(struct dt_mcp_config *c, const char *text, const char *origin,
			struct dt_sb *err);
/* The user file (~/.gitlab/duo/mcp.json, as GitLab's clients read it) then <workdir>/.gitlab/duo/mcp.json.  Missing files are not errors. */
int dt_mcp_config_load(struct dt_mcp_config *c, const char *workdir, struct dt_sb *err);
void dt_mcp_config_release(struct dt_mcp_config *c);

/* The name the model sees: "<server>__<tool>", characters other than
 * [A-Za-z0-9_-] made '_', at most 64 bytes (what providers accept). */
void dt_mcp_qualified_name(struct dt_sb *out, const char *server, const char *tool);

#endif
