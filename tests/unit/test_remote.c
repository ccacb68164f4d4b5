/* Which GitLab project a remote names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "duoterm/gitlab/remote.h"

static void ok(const char *url, const char *instance, const char *host, const char *path)
{
	struct dt_remote r;

	if (dt_remote_parse(&r, url, instance))
		fail_msg("could not parse %s", url);
	assert_string_equal(r.host, host);
	assert_string_equal(r.path, path);
	dt_remote_release(&r);
}

static void bad(const char *url)
{
	struct dt_remote r;

	if (!dt_remote_parse(&r, url, NULL)) {
		dt_remote_release(&r);
		fail_msg("parsed %s", url);
	}
}

static void remote_forms(void **state)
{
	(void)state;
	ok("git@gitlab.com:group/project.git", NULL, "gitlab.com", "group/project");
	ok("git@gitlab.com:group/sub/deeper/project.git", NULL, "gitlab.com", "group/sub/deeper/project");
	ok("gitlab.com:group/project", NULL, "gitlab.com", "group/project");
	ok("ssh://git@gitlab.example.com:2222/group/project.git", NULL, "gitlab.example.com",
	   "group/project");
	ok("ssh://gitlab.example.com/group/sub/project", NULL, "gitlab.example.com", "group/sub/project");
	ok("https://gitlab.com/group/sub/project.git", NULL, "gitlab.com", "group/sub/project");
	ok("https://oauth2:glpat-x@GitLab.Example.com:8443/group/project.git/", NULL,
	   "gitlab.example.com", "group/project");
	ok("http://127.0.0.1:8080/duoterm-demo/tools/sandbox.git", NULL, "127.0.0.1",
	   "duoterm-demo/tools/sandbox");
	ok("https://example.com/gitlab/group/project.git", "https://example.com/gitlab",
	   "example.com", "group/project");
	ok("https://example.com/gitlab/group/project.git", "https://example.com/gitlab/",
	   "example.com", "group/project");
	ok("https://[::1]:8443/g/p.git", NULL, "[::1]", "g/p");
	bad("/srv/git/project.git");
	bad("./relative/path");
	bad("file:///srv/git/project.git");
	bad("https://gitlab.com/justone");
	bad("git@gitlab.com:");
	bad("");
}

static void matches_instance(void **state)
{
	struct dt_remote r;

	(void)state;
	assert_int_equal(dt_remote_parse(&r, "git@gitlab.com:g/p.git", NULL), 0);
	assert_true(dt_remote_matches_instance(&r, "https://gitlab.com"));
	assert_true(dt_remote_matches_instance(&r, "https://GITLAB.com:443/"));
	assert_false(dt_remote_matches_instance(&r, "https://gitlab.example.com"));
	dt_remote_release(&r);
}

static void escape(void **state)
{
	char *s = dt_project_id_escape("group/sub project/a.b-c_d");

	(void)state;
	assert_string_equal(s, "group%2Fsub%20project%2Fa.b-c_d");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(remote_forms),
		cmocka_unit_test(matches_instance),
		cmocka_unit_test(escape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
