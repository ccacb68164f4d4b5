/* Unit tests: the agent's tools in a temporary repository (confinement,
 * symlink escapes, edit_file uniqueness, grep and .gitignore, proposals,
 * run_command timeout and output cap). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "duoterm/agent/tools.h"
#include "duoterm/core/config.h"
#include "duoterm/core/loop.h"
#include "duoterm/core/proc.h"
#include "duoterm/git/proposal.h"
#include "duoterm/git/repo.h"

static struct {
	char dir[64];
	struct dt_loop loop;
	struct dt_repo *repo;
	struct dt_proposal_store *store;
	struct dt_tools *tools;
	char *text;
	int is_error, done;
	size_t streamed;
	char *proposed;
} G;

static void put(const char *name, const char *text)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", G.dir, name);
	assert_int_equal(dt_write_file_atomic(path, text, strlen(text), 0644), 0);
}

static int setup(void **state)
{
	struct dt_tools_opts o = DT_TOOLS_OPTS_INIT;
	struct dt_sb err = DT_SB_INIT;
	char cmd[256];

	(void)state;
	strcpy(G.dir, "/tmp/dt-agent-tools-XXXXXX");
	assert_non_null(mkdtemp(G.dir));
	snprintf(cmd, sizeof(cmd), "git init -q %s && mkdir -p %s/src %s/build", G.dir, G.dir, G.dir);
	assert_int_equal(system(cmd), 0);
	put(".gitignore", "build/\n*.log\n");
	put("src/a.c", "int a;\nint b;\nint a2;\n");
	put("src/b.c", "int twice;\nint twice;\n");
	put("build/gen.c", "int a_generated;\n");
	put("debug.log", "int a_log;\n");
	snprintf(cmd, sizeof(cmd), "ln -s /etc %s/etc-link && ln -s src %s/src-link", G.dir, G.dir);
	assert_int_equal(system(cmd), 0);
	dt_loop_init(&G.loop);
	assert_int_equal(dt_repo_open(&G.repo, G.dir, &err), 0);
	assert_int_equal(dt_proposal_store_open(&G.store, G.dir, NULL, G.repo, &err), 0);
	o.workdir = G.dir;
	o.store = G.store;
	o.repo = G.repo;
	o.loop = &G.loop;
	o.output_cap = 1000;
	assert_int_equal(dt_tools_new(&G.tools, &o, &err), 0);
	dt_sb_release(&err);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	dt_tools_free(G.tools);
	dt_proposal_store_free(G.store);
	dt_repo_free(G.repo);
	dt_loop_release(&G.loop);
	dt_remove_tree(G.dir);
	free(G.text);
	free(G.proposed);
	return 0;
}

static void on_done(const struct dt_tool_result *r, void *ud)
{
	(void)ud;
	free(G.text);
	free(G.proposed);
	G.text = strdup(r->text);
	G.is_error = r->is_error;
	G.proposed = r->proposed ? strdup(r->proposed) : NULL;
	G.done = 1;
}

static void on_out(const char *id, const char *data, size_t len, void *ud)
{
	(void)id;
	(void)data;
	(void)ud;
	G.streamed += len;
}

static void run(const char *name, const char *args)
{
	cJSON *a = cJSON_Parse(args);
	uint64_t deadline = dt_now_ms() + 10000;

	assert_non_null(a);
	G.done = 0;
	G.streamed = 0;
	dt_tools_run(G.tools, "id1", name, a, on_done, on_out, NULL);
	while (!G.done && dt_now_ms() < deadline)
		dt_loop_run_once(&G.loop, 100);
	assert_true(G.done);
	cJSON_Delete(a);
}

static void confinement(void **state)
{
	(void)state;
	run("read_file", "{\"file_path\":\"../etc/passwd\"}");
	assert_true(G.is_error);
	assert_non_null(strstr(G.text, "leaves the repository"));
	run("read_file", "{\"file_path\":\"/etc/passwd\"}");
	assert_true(G.is_error);
	assert_non_null(strstr(G.text, "outside the repository"));
	run("read_file", "{\"file_path\":\"etc-link/passwd\"}");
	assert_true(G.is_error);
	assert_non_null(strstr(G.text, "symbolic link"));
	run("write_file", "{\"file_path\":\"etc-link/evil\",\"contents\":\"x\"}");
	assert_true(G.is_error);
	run("list_dir", "{\"directory\":\"src/../..\"}");
	assert_true(G.is_error);
	run("read_file", "{\"file_path\":\"src-link/a.c\"}"); /* a link that stays inside */
	assert_false(G.is_error);
	run("read_file", "{\"path\":\"src/./../src/a.c\",\"offset\":2,\"limit\":1}");
	assert_false(G.is_error);
	assert_string_equal(G.text, "int b;\n");
}

static void edit_file_must_match_once(void **state)
{
	char path[256], *t;

	(void)state;
	run("edit_file", "{\"file_path\":\"src/b.c\",\"old_str\":\"int twice;\",\"new_str\":\"x\"}");
	assert_true(G.is_error);
	assert_non_null(strstr(G.text, "occurs 2 times"));
	run("edit_file", "{\"file_path\":\"src/b.c\",\"old_str\":\"nope\",\"new_str\":\"x\"}");
	assert_true(G.is_error);
	assert_non_null(strstr(G.text, "not found"));
	run("edit_file", "{\"file_path\":\"src/a.c\",\"old_str\":\"int b;\",\"new_str\":\"long b;\"}");
	assert_false(G.is_error);
	assert_string_equal(G.proposed, "src/a.c");
	/* the tree is untouched; the agent's reads see the proposal */
	snprintf(path, sizeof(path), "%s/src/a.c", G.dir);
	t = dt_read_file(path, NULL);
	assert_string_equal(t, "int a;\nint b;\nint a2;\n");
	free(t);
	run("read_file", "{\"file_path\":\"src/a.c\"}");
	assert_string_equal(G.text, "int a;\nlong b;\nint a2;\n");
	run("write_file", "{\"file_path\":\"src/new.c\",\"contents\":\"new\\n\"}");
	assert_false(G.is_error);
	snprintf(path, sizeof(path), "%s/src/new.c", G.dir);
	assert_int_not_equal(access(path, F_OK), 0);
}

static void grep_and_find_respect_gitignore(void **state)
{
	(void)state;
	run("grep", "{\"pattern\":\"int a\"}");
	assert_false(G.is_error);
	assert_non_null(strstr(G.text, "src/a.c:1:int a;"));
	assert_null(strstr(G.text, "build/"));
	assert_null(strstr(G.text, "debug.log"));
	run("grep", "{\"pattern\":\"(\"}");
	assert_true(G.is_error);
	run("find_files", "{\"name_pattern\":\"*.c\"}");
	assert_non_null(strstr(G.text, "src/b.c"));
	assert_null(strstr(G.text, "gen.c"));
	run("list_dir", "{\"directory\":\".\"}");
	assert_non_null(strstr(G.text, "src/\n"));
	assert_null(strstr(G.text, ".git/"));
}

static void run_command_timeout_and_cap(void **state)
{
	(void)state;
	run("run_command", "{\"command\":\"echo hello; echo oops >&2; exit 3\"}");
	assert_true(G.is_error);
	assert_non_null(strstr(G.text, "hello\noops\n"));
	assert_non_null(strstr(G.text, "[exit status 3]"));
	run("run_command", "{\"command\":\"sleep 30\",\"timeout\":1}");
	assert_true(G.is_error);
	assert_non_null(strstr(G.text, "timed out after 1 s"));
	run("run_command", "{\"command\":\"seq 1 5000\"}");
	assert_false(G.is_error);
	assert_non_null(strstr(G.text, "bytes of output omitted"));
	assert_non_null(strstr(G.text, "\n5000\n"));
	assert_true(strlen(G.text) < 1200);
	assert_true(G.streamed > 20000);
	run("run_command", "{\"command\":\"echo ${GITLAB_TOKEN:-none}\"}");
	assert_non_null(strstr(G.text, "none"));
	run("git", "{\"command\":\"status\",\"args\":\"--short\"}");
	assert_false(G.is_error);
	run("unknown_tool", "{}");
	assert_true(G.is_error);
}

static void schemas_parse(void **state)
{
	size_t n;
	const struct dt_prov_tool *t = dt_tools_schema(&n);

	(void)state;
	assert_true(n >= 10);
	for (size_t i = 0; i < n; i++)
		assert_non_null(t[i].parameters);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(confinement),
		cmocka_unit_test(edit_file_must_match_once),
		cmocka_unit_test(grep_and_find_respect_gitignore),
		cmocka_unit_test(run_command_timeout_and_cap),
		cmocka_unit_test(schemas_parse),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
