/* Shared by the tool modules of src/agent (not an API). */
#ifndef DUOTERM_AGENT_TOOLS_INT_H
#define DUOTERM_AGENT_TOOLS_INT_H

#include <stdint.h>
#include <sys/types.h>

#include "duoterm/agent/tools.h"

struct dt_tool_job;
struct dt_mcp_job;

struct dt_tools {
	struct dt_tools_opts o;
	char *root; /* realpath of the work tree */
	struct dt_tool_job *jobs;
	struct dt_mcp_job *mcp_jobs; /* tools_mcp.c */
};

struct dt_tool_call {
	struct dt_tools *t;
	const char *id;
	const cJSON *args;
	dt_tool_done_cb done;
	dt_tool_output_cb out;
	void *ud;
};

/* An argument by any of its spellings (NULL-terminated list). */
const char *dt_tool_str(const cJSON *args, const char *const *names);
void dt_tool_finish(const struct dt_tool_call *c, const char *text, int is_error,
		    const char *proposed);

/* tools_run.c: a child process polled by the loop. */
void dt_tools_spawn(const struct dt_tool_call *c, char *const argv[], unsigned timeout_s);
void dt_tools_run_command(const struct dt_tool_call *c);
void dt_tools_git(const struct dt_tool_call *c);
void dt_tools_kill_all(struct dt_tools *t);
int dt_tools_kill(struct dt_tools *t, const char *call_id);

/* tools_gitlab.c */
int dt_tools_gitlab(const struct dt_tool_call *c, const char *name);

/* tools_mcp.c: -1 when name is no MCP server's tool */
int dt_tools_mcp(const struct dt_tool_call *c, const char *name);
int dt_tools_mcp_cancel(struct dt_tools *t, const char *call_id);
void dt_tools_mcp_cancel_all(struct dt_tools *t);

#endif
