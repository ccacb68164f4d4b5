/*
 * The agent's tools, named and shaped like the Duo Agent Platform's actions
 * (protocols/dap.md §5.2) and DWS's tool names, so the remote driver maps an
 * action to a call here unchanged:
 *
 *   read_file   {file_path, offset?, limit?}   runReadFile {filepath, offset, limit}
 *   read_files  {file_paths: []}               runReadFiles {filepaths}
 *   list_dir    {directory}                    listDirectory
 *   find_files  {name_pattern}                 findFiles (glob; .gitignore respected)
 *   grep        {pattern, search_directory?, case_insensitive?}   grep (POSIX ERE)
 *   mkdir       {directory_path}               mkdir
 *   write_file  {file_path, contents}          runWriteFile   -> a proposal
 *   edit_file   {file_path, old_str, new_str}  runEditFile    -> a proposal
 *   run_command {command, timeout?} or {program, arguments[], flags[]}
 *                                              runShellCommand / runCommand
 *   git         {command, args?}               runCommand{program:"git"} (run_git_command)
 *   get_issue, get_merge_request, get_pipeline, get_job_logs, gitlab_search,
 *   create_issue_note, create_merge_request_note   (GitLab REST; need a client)
 *
 * DAP's spellings (filepath, oldString/newString, filepaths, directory_path,
 * path) are read too.  update_plan is the engine's own (its schema is here).
 *
 * Every path is relative to the work tree (an absolute path inside it is
 * accepted); "..", absolute paths outside and symlinks that leave it are a
 * tool error.  Reads see the proposal overlay.  Writes never touch the
 * tree: they become proposals.  Errors are results the model reads
 * (is_error set), never a failure of the call.
 */
#ifndef DUOTERM_AGENT_TOOLS_H
#define DUOTERM_AGENT_TOOLS_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "duoterm/core/strbuf.h"
#include "duoterm/providers/provider.h"

struct dt_loop;
struct dt_repo;
struct dt_proposal_store;
struct dt_gl_client;
struct dt_mcp_set;

struct dt_tool_result {
	const char *call_id;
	const char *text;
	int is_error;
	const char *proposed; /* the path of a proposed change, or NULL */
	long duration_ms;
};

typedef void (*dt_tool_done_cb)(const struct dt_tool_result *r, void *ud);
typedef void (*dt_tool_output_cb)(const char *call_id, const char *data, size_t len, void *ud);

struct dt_tools_opts {
	const char *workdir;                /* the work tree (required) */
	struct dt_proposal_store *store;    /* writes become proposals (required for them) */
	struct dt_repo *repo;               /* for .gitignore; NULL: only .git is skipped */
	struct dt_loop *loop;               /* runs commands; NULL: run_command/git fail */
	struct dt_gl_client *gitlab;        /* GitLab tools; NULL: they fail */
	const char *project_id;             /* URL-escaped project path for GitLab tools */
	size_t output_cap;                  /* run_command output kept; 0: 64 KiB */
	unsigned timeout_s;                 /* default command timeout; 0: 120 s */
	unsigned max_timeout_s;             /* 0: 3600 s */
	size_t read_cap;                    /* bytes read_file returns; 0: 256 KiB */
	struct dt_mcp_set *mcp;             /* MCP servers' tools (tools_mcp.c); may be NULL */
};

#define DT_TOOLS_OPTS_INIT {0}

struct dt_tools;

int dt_tools_new(struct dt_tools **out, const struct dt_tools_opts *o, struct dt_sb *err);
/* Kills running commands (their callbacks are not called) and frees. */
void dt_tools_free(struct dt_tools *t);

/*
 * Runs a tool.  `done` is called exactly once — possibly before this
 * returns (file tools), or later from the loop (commands, GitLab).  `out`
 * (may be NULL) receives a command's output as it arrives.
 */
void dt_tools_run(struct dt_tools *t, const char *call_id, const char *name, const cJSON *args,
		  dt_tool_done_cb done, dt_tool_output_cb out, void *ud);
/* Kills a running call; its done callback is not called. */
void dt_tools_cancel(struct dt_tools *t, const char *call_id);

/* The tools' schemas for the provider request (static, update_plan included). */
const struct dt_prov_tool *dt_tools_schema(size_t *n);

/* tools_mcp.c: the built-in schemas followed by the MCP servers' tools
 * ("<server>__<tool>"), all copied; free with dt_tools_schema_free. */
struct dt_prov_tool *dt_tools_schema_mcp(struct dt_mcp_set *set, size_t *n);
void dt_tools_schema_free(struct dt_prov_tool *tools, size_t n);
/* The MCP tools as DAP's startRequest.mcpTools (inputSchema as JSON text),
 * or NULL when there are none. */
cJSON *dt_tools_mcp_dap(struct dt_mcp_set *set);

/* Confines path to the work tree: 0 with the relative, normalised path in
 * rel (may be "" for the root), or -1 with the reason in err. */
int dt_tools_confine(struct dt_tools *t, const char *path, struct dt_sb *rel, struct dt_sb *err);

#endif
