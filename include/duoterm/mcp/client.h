/*
 * One MCP server over stdio: a child process speaking newline-delimited
 * JSON-RPC on its stdin/stdout, its stderr kept (the last 4 KiB) for
 * error messages; or over streamable HTTP (type http): one POST per
 * message through the net thread, answers as JSON or SSE, the
 * mcp-session-id kept and ended with DELETE.  Main thread only.
 *
 * dt_mcp_server_connect() starts the process and does the handshake
 * (initialize, notifications/initialized, tools/list with its pages)
 * *blocking*, with a deadline, outside the loop; after that the pipes are
 * watched by the loop and tool calls answer through callbacks.  (For HTTP
 * the handshake runs the loop itself until the answers are in.)  Answers
 * are matched by id, so notifications between a request and its answer
 * are fine; tools/list_changed lists the tools again; ping is answered.
 * A server that exits fails its calls with its exit status and stderr, and
 * the next call starts it again (once).
 */
#ifndef DUOTERM_MCP_CLIENT_H
#define DUOTERM_MCP_CLIENT_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "duoterm/core/strbuf.h"
#include "duoterm/mcp/jsonrpc.h"

struct dt_loop;
struct dt_net;
struct dt_mcp_server;

/* text: the result for the model (or the error); is_error: 1 for a tool
 * error (isError) or a failure (server down, timeout, JSON-RPC error). */
typedef void (*dt_mcp_call_cb)(const char *text, int is_error, void *ud);

#define DT_MCP_START_MS 15000 /* node servers start in ~0.3 s; npx may download */
#define DT_MCP_CALL_MS 120000

/* conf is copied.  workdir: the default cwd of stdio servers; net: for
 * HTTP servers (may be NULL: they fail to connect). */
struct dt_mcp_server *dt_mcp_server_new(const struct dt_mcp_server_conf *conf,
					struct dt_loop *loop, struct dt_net *net, const char *workdir);
/* Kills the process (its calls' callbacks are not called) and frees. */
void dt_mcp_server_free(struct dt_mcp_server *s);

/* Starts the process and sends initialize without waiting, so that
 * several servers boot at once; dt_mcp_server_connect finishes. */
void dt_mcp_server_start(struct dt_mcp_server *s);
/* Starts (unless started) and initialises the server (blocking, at most
 * timeout_ms).  0, or -1 with the reason (also dt_mcp_server_error's). */
int dt_mcp_server_connect(struct dt_mcp_server *s, unsigned timeout_ms, struct dt_sb *err);
int dt_mcp_server_ready(const struct dt_mcp_server *s);
const char *dt_mcp_server_name(const struct dt_mcp_server *s);    /* the configured name */
const char *dt_mcp_server_info(const struct dt_mcp_server *s);    /* serverInfo.name, or "" */
const char *dt_mcp_server_version(const struct dt_mcp_server *s); /* negotiated, or "" */
const char *dt_mcp_server_error(const struct dt_mcp_server *s);   /* the last failure, or "" */
const struct dt_mcp_server_conf *dt_mcp_server_conf(const struct dt_mcp_server *s);
const struct dt_mcp_tool *dt_mcp_server_tools(const struct dt_mcp_server *s, size_t *n);
/* Bumped whenever the tool list changes (tools/list_changed). */
unsigned dt_mcp_server_generation(const struct dt_mcp_server *s);

/* Calls a tool.  cb is called exactly once unless the call is cancelled,
 * possibly before this returns (server down and cannot be restarted).
 * Returns the call's handle (never 0) for dt_mcp_server_cancel. */
uint64_t dt_mcp_server_call(struct dt_mcp_server *s, const char *tool, const cJSON *args,
			    unsigned timeout_ms, dt_mcp_call_cb cb, void *ud);
/* Forgets a call (no callback) and tells the server (notifications/cancelled). */
void dt_mcp_server_cancel(struct dt_mcp_server *s, uint64_t handle);

#endif
