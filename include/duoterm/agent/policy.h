/*
 * The approval policy: which tool calls run freely and which need the
 * user's approval, the text shown to approve them, and the remembered
 * allow-patterns.  Pure data: no I/O except dt_policy_load/save.
 *
 * Every tool call has a *subject*: the exact command for run_command, "git
 * <subcommand> <args>" for git, the tool name for other writes and for every
 * MCP server's tool (a name with "__": they may do anything).  A subject
 * is approved when an allow-pattern matches it (fnmatch(3), no flags).  A
 * pattern with a wildcard never matches a subject holding shell
 * metacharacters (; | & $ ` < > ( ) newline \): such commands need their
 * exact text to be remembered (as DAP refuses metacharacters in patterns).
 */
#ifndef DUOTERM_AGENT_POLICY_H
#define DUOTERM_AGENT_POLICY_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "duoterm/core/strbuf.h"

struct dt_policy {
	char **allow;
	size_t nr, alloc;
	int approve_all; /* tests and --approve '*': nothing is asked */
};

#define DT_POLICY_INIT {0}

void dt_policy_release(struct dt_policy *p);
void dt_policy_allow(struct dt_policy *p, const char *pattern);
int dt_policy_matches(const struct dt_policy *p, const char *subject);

/*
 * Whether a call needs approval: 0 (free) or 1 (ask).  For 1, *subject is
 * the exact text matched against patterns and *pattern a suggested
 * pattern for "always".  Malformed arguments are free (the tool reports
 * the error itself).
 */
int dt_policy_needs_approval(const struct dt_policy *p, const char *tool, const cJSON *args,
			     struct dt_sb *subject, struct dt_sb *pattern);

/* Whether git's subcommand (with its arguments) only reads.  args may be NULL. */
int dt_git_read_only(const char *sub, const char *const *args, size_t nargs);

/* Appends text with control characters, invalid UTF-8, C1 and bidi
 * controls made visible (\n \t \e \xNN \u{202E}). */
void dt_visible(struct dt_sb *out, const char *text);

/* Remembered patterns per project, in $XDG_STATE_HOME/duoterm/approvals.json
 * keyed by `project` (the project path or the work tree).  0 or -errno. */
int dt_policy_load(struct dt_policy *p, const char *file, const char *project);
int dt_policy_save_pattern(const char *file, const char *project, const char *pattern);

#endif
