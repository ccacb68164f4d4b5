/* The MCP servers of a work tree (mcp/set.h). */
#include "duoterm/mcp/set.h"

#include <stdlib.h>
#include <string.h>

#include "duoterm/core/log.h"

struct dt_mcp_set {
	struct dt_mcp_server **servers;
	size_t n;
	struct dt_mcp_entry *entries;
	char **names;
	size_t n_entries;
	unsigned *gens; /* each server's generation when entries were built */
	int built;
};

struct dt_mcp_set *dt_mcp_set_open(struct dt_loop *loop, struct dt_net *net, const char *workdir,
				   unsigned timeout_ms, struct dt_sb *problems)
{
	struct dt_mcp_config c = {0};
	struct dt_sb err = DT_SB_INIT;
	struct dt_mcp_set *set;

	dt_mcp_config_load(&c, workdir, &err);
	if (err.len) {
		dt_warn("mcp", "%s", err.buf);
		if (problems)
			dt_sb_addf(problems, "%s%s", problems->len ? "\n" : "", err.buf);
	}
	if (!c.n) {
		dt_mcp_config_release(&c);
		dt_sb_release(&err);
		return NULL;
	}
	set = dt_xcalloc(1, sizeof(*set));
	set->servers = dt_xcalloc(c.n, sizeof(*set->servers));
	set->gens = dt_xcalloc(c.n, sizeof(*set->gens));
	for (size_t i = 0; i < c.n; i++) {
		struct dt_mcp_server *s = dt_mcp_server_new(&c.servers[i], loop, net, workdir);

		set->servers[set->n++] = s;
		if (!c.servers[i].disabled)
			dt_mcp_server_start(s); /* they boot side by side */
	}
	for (size_t i = 0; i < set->n; i++) {
		dt_sb_reset(&err);
		if (!c.servers[i].disabled)
			dt_mcp_server_connect(set->servers[i], timeout_ms ? timeout_ms : DT_MCP_START_MS,
					      &err);
	}
	dt_mcp_config_release(&c);
	dt_sb_release(&err);
	return set;
}

static void drop_entries(struct dt_mcp_set *set)
{
	for (size_t i = 0; i < set->n_entries; i++)
		free(set->names[i]);
	free(set->names);
	free(set->entries);
	set->names = NULL;
	set->entries = NULL;
	set->n_entries = 0;
}

void dt_mcp_set_free(struct dt_mcp_set *set)
{
	if (!set)
		return;
	drop_entries(set);
	for (size_t i = 0; i < set->n; i++)
		dt_mcp_server_free(set->servers[i]);
	free(set->servers);
	free(set->gens);
	free(set);
}

size_t dt_mcp_set_count(const struct dt_mcp_set *set)
{
	return set ? set->n : 0;
}

struct dt_mcp_server *dt_mcp_set_server(const struct dt_mcp_set *set, size_t i)
{
	return set && i < set->n ? set->servers[i] : NULL;
}

static int stale(const struct dt_mcp_set *set)
{
	if (!set->built)
		return 1;
	for (size_t i = 0; i < set->n; i++)
		if (set->gens[i] != dt_mcp_server_generation(set->servers[i]))
			return 1;
	return 0;
}

static void build(struct dt_mcp_set *set)
{
	struct dt_sb q = DT_SB_INIT;

	drop_entries(set);
	for (size_t i = 0; i < set->n; i++) {
		struct dt_mcp_server *s = set->servers[i];
		const struct dt_mcp_tool *tools;
		size_t nt;

		set->gens[i] = dt_mcp_server_generation(s);
		tools = dt_mcp_server_tools(s, &nt);
		for (size_t j = 0; j < nt; j++) {
			size_t k;

			dt_sb_reset(&q);
			dt_mcp_qualified_name(&q, dt_mcp_server_name(s), tools[j].name);
			for (k = 0; k < set->n_entries && strcmp(set->names[k], q.buf); k++)
				;
			if (k < set->n_entries) {
				dt_warn("mcp", "%s: tool %s is hidden by another of the same name %s",
					dt_mcp_server_name(s), tools[j].name, q.buf);
				continue;
			}
			set->entries = dt_xrealloc(set->entries,
						   (set->n_entries + 1) * sizeof(*set->entries));
			set->names = dt_xrealloc(set->names, (set->n_entries + 1) * sizeof(char *));
			set->names[set->n_entries] = dt_xstrdup(q.buf);
			set->entries[set->n_entries] = (struct dt_mcp_entry){
				set->names[set->n_entries], s, &tools[j]};
			set->n_entries++;
		}
	}
	set->built = 1;
	dt_sb_release(&q);
}

const struct dt_mcp_entry *dt_mcp_set_entries(struct dt_mcp_set *set, size_t *n)
{
	*n = 0;
	if (!set)
		return NULL;
	if (stale(set))
		build(set);
	*n = set->n_entries;
	return set->entries;
}

void dt_mcp_set_describe(struct dt_mcp_set *set, struct dt_sb *out)
{
	size_t n;
	const struct dt_mcp_entry *e = dt_mcp_set_entries(set, &n);

	if (!set) {
		dt_sb_adds(out, "No MCP servers: add them to .gitlab/duo/mcp.json (this project) or "
			   "~/.gitlab/duo/mcp.json (see doc/mcp.md).");
		return;
	}
	for (size_t i = 0; i < set->n; i++) {
		struct dt_mcp_server *s = set->servers[i];
		size_t k = 0;

		if (i)
			dt_sb_addc(out, '\n');
		dt_sb_addf(out, "MCP server %s: ", dt_mcp_server_name(s));
		if (dt_mcp_server_conf(s)->disabled) {
			dt_sb_adds(out, "disabled");
			continue;
		}
		if (!dt_mcp_server_ready(s)) {
			dt_sb_addf(out, "not running (%s)", *dt_mcp_server_error(s) ?
				   dt_mcp_server_error(s) : "not started");
			continue;
		}
		for (size_t j = 0; j < n; j++)
			k += e[j].server == s;
		dt_sb_addf(out, "%s, MCP %s, %zu tool%s", *dt_mcp_server_info(s) ?
			   dt_mcp_server_info(s) : "running", dt_mcp_server_version(s), k,
			   k == 1 ? "" : "s");
		for (size_t j = 0; j < n; j++)
			if (e[j].server == s)
				dt_sb_addf(out, "\n- %s", e[j].name);
	}
}

struct dt_mcp_server *dt_mcp_set_find(struct dt_mcp_set *set, const char *name,
				      struct dt_sb *tool)
{
	const struct dt_mcp_entry *e;
	struct dt_sb prefix = DT_SB_INIT;
	struct dt_mcp_server *found = NULL;
	size_t n;

	dt_sb_reset(tool);
	if (!set || !name)
		return NULL;
	e = dt_mcp_set_entries(set, &n);
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(e[i].name, name)) {
			dt_sb_adds(tool, e[i].tool->name);
			return e[i].server;
		}
	}
	/* not listed: the server whose (sanitised) name is the prefix */
	for (size_t i = 0; i < set->n && !found; i++) {
		dt_sb_reset(&prefix);
		dt_mcp_qualified_name(&prefix, dt_mcp_server_name(set->servers[i]), "");
		if (prefix.len < strlen(name) && !strncmp(name, prefix.buf, prefix.len)) {
			found = set->servers[i];
			dt_sb_adds(tool, name + prefix.len);
		}
	}
	dt_sb_release(&prefix);
	return found;
}
