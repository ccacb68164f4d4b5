/* The tools as the model sees them: names, descriptions, JSON schemas. */
#include "tools_int.h"

#include <pthread.h>
#include <stdlib.h>

#define OBJ(props, req) "{\"type\":\"object\",\"properties\":{" props "},\"required\":[" req "]}"
#define S(name, desc) "\"" name "\":{\"type\":\"string\",\"description\":\"" desc "\"}"
#define N(name, desc) "\"" name "\":{\"type\":\"integer\",\"description\":\"" desc "\"}"

static const struct {
	const char *name, *desc, *schema;
} defs[] = {
	{"update_plan", "Create or update your plan: the whole list of steps with their status. "
	 "Keep exactly one step in_progress while working.",
	 OBJ("\"steps\":{\"type\":\"array\",\"items\":" OBJ(S("title", "what the step does") ","
	     "\"status\":{\"type\":\"string\",\"enum\":[\"not_started\",\"in_progress\",\"done\","
	     "\"cancelled\"]}", "\"title\",\"status\"") "}", "\"steps\"")},
	{"read_file", "Read a file of the repository (your proposed changes included). "
	 "offset is the first line (from 1), limit the number of lines.",
	 OBJ(S("file_path", "path relative to the repository") "," N("offset", "first line, from 1")
	     "," N("limit", "number of lines"), "\"file_path\"")},
	{"read_files", "Read several files at once; returns a JSON object path -> content.",
	 OBJ("\"file_paths\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}", "\"file_paths\"")},
	{"list_dir", "List a directory (directories end with /).",
	 OBJ(S("directory", "path relative to the repository; . for the top"), "\"directory\"")},
	{"find_files", "Find files by glob (e.g. *.c or src/*.h); .gitignore is respected.",
	 OBJ(S("name_pattern", "glob"), "\"name_pattern\"")},
	{"grep", "Search file contents with a POSIX extended regular expression; prints "
	 "path:line:text. .gitignore is respected.",
	 OBJ(S("pattern", "regular expression") "," S("search_directory", "where to search (default .)")
	     ",\"case_insensitive\":{\"type\":\"boolean\"}", "\"pattern\"")},
	{"mkdir", "Create a directory in the repository.",
	 OBJ(S("directory_path", "path relative to the repository"), "\"directory_path\"")},
	{"write_file", "Write a whole file. It becomes a proposal the user reviews before it "
	 "reaches the working tree.",
	 OBJ(S("file_path", "path relative to the repository") "," S("contents", "the whole file"),
	     "\"file_path\",\"contents\"")},
	{"edit_file", "Replace old_str by new_str in a file. old_str must occur exactly once "
	 "(include enough context). It becomes a proposal the user reviews.",
	 OBJ(S("file_path", "path relative to the repository") "," S("old_str", "exact text to "
	     "replace") "," S("new_str", "replacement"), "\"file_path\",\"old_str\",\"new_str\"")},
	{"run_command", "Run a shell command at the top of the repository (the user approves it). "
	 "stdout and stderr are returned together, capped.",
	 OBJ(S("command", "the command line") "," N("timeout", "seconds (default 120)"),
	     "\"command\"")},
	{"git", "Run git. Read-only subcommands (status, diff, log, show, blame, grep ...) run "
	 "at once; others need the user's approval.",
	 OBJ(S("command", "the subcommand, e.g. log") "," S("args", "its arguments"), "\"command\"")},
	{"get_issue", "Read an issue of the project.", OBJ(N("issue_iid", "the issue's number"),
							  "\"issue_iid\"")},
	{"get_merge_request", "Read a merge request of the project.",
	 OBJ(N("merge_request_iid", "the merge request's number"), "\"merge_request_iid\"")},
	{"get_pipeline", "List the jobs of a pipeline.", OBJ(N("pipeline_id", "pipeline id"),
							    "\"pipeline_id\"")},
	{"get_job_logs", "Read a CI job's log (its end when long).",
	 OBJ(N("job_id", "job id"), "\"job_id\"")},
	{"gitlab_search", "Search the project on GitLab.",
	 OBJ(S("scope", "issues, merge_requests, blobs, commits, notes, milestones") ","
	     S("search", "the query"), "\"search\"")},
	{"create_issue_note", "Post a comment on an issue of the project (the user approves it "
	 "first).", OBJ(N("issue_iid", "the issue's number") "," S("body", "the comment, Markdown"),
			"\"issue_iid\",\"body\"")},
	{"create_merge_request_note", "Post a comment on a merge request of the project (the "
	 "user approves it first).",
	 OBJ(N("merge_request_iid", "the merge request's number") ","
	     S("body", "the comment, Markdown"), "\"merge_request_iid\",\"body\"")},
};

#define NR (sizeof(defs) / sizeof(defs[0]))

static struct dt_prov_tool table[NR];
static cJSON *schemas[NR];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void free_schemas(void)
{
	for (size_t i = 0; i < NR; i++)
		cJSON_Delete(schemas[i]);
}

static void build(void)
{
	for (size_t i = 0; i < NR; i++) {
		schemas[i] = cJSON_Parse(defs[i].schema);
		if (!schemas[i])
			abort(); /* a typo above; the unit tests catch it */
		table[i] = (struct dt_prov_tool){defs[i].name, defs[i].desc, schemas[i]};
	}
	atexit(free_schemas);
}

const struct dt_prov_tool *dt_tools_schema(size_t *n)
{
	pthread_once(&once, build);
	*n = NR;
	return table;
}
