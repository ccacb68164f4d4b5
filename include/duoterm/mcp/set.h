/*
 * The MCP servers of a work tree: the configuration (mcp/jsonrpc.h) read
 * and every enabled server connected, their tools under the names the
 * model sees ("<server>__<tool>").  What the agent, the remote driver,
 * doctor and /mcp use.  Main thread only.
 */
#ifndef DUOTERM_MCP_SET_H
#define DUOTERM_MCP_SET_H

#include <stddef.h>

#include "duoterm/core/strbuf.h"
#include "duoterm/mcp/client.h"

struct dt_loop;
struct dt_net;
struct dt_mcp_set;

struct dt_mcp_entry {
	const char *name;             /* qualified: server__tool */
	struct dt_mcp_server *server;
	const struct dt_mcp_tool *tool;
};

/* Reads the configuration and connects the servers (blocking; each at
 * most timeout_ms, 0: DT_MCP_START_MS).  Never fails: configuration
 * errors are appended to `problems` (may be NULL), a server that does not
 * start says why in dt_mcp_server_error.  NULL when nothing is configured. */
struct dt_mcp_set *dt_mcp_set_open(struct dt_loop *loop, struct dt_net *net, const char *workdir,
				   unsigned timeout_ms, struct dt_sb *problems);
void dt_mcp_set_free(struct dt_mcp_set *set);

size_t dt_mcp_set_count(const struct dt_mcp_set *set);
struct dt_mcp_server *dt_mcp_set_server(const struct dt_mcp_set *set, size_t i);

/* The tools of the servers that are up, valid until a tool list changes. */
const struct dt_mcp_entry *dt_mcp_set_entries(struct dt_mcp_set *set, size_t *n);
/* The server for a qualified name and the server's own name of the tool
 * (a tool the list does not show is still sent to the server whose prefix
 * matches, which then answers).  NULL when no server matches. */
struct dt_mcp_server *dt_mcp_set_find(struct dt_mcp_set *set, const char *name,
				      struct dt_sb *tool);

/* For /mcp: each server, its state and its tools, as Markdown lines. */
void dt_mcp_set_describe(struct dt_mcp_set *set, struct dt_sb *out);

#endif
