/* Unit tests: strbuf, log redaction, config, UTF-8 width, the poll loop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "duoterm/core/config.h"
#include "duoterm/core/log.h"
#include "duoterm/core/loop.h"
#include "duoterm/core/proc.h"
#include "duoterm/core/strbuf.h"
#include "duoterm/core/utf8.h"

static void strbuf_basics(void **state)
{
	struct dt_sb sb = DT_SB_INIT;
	char *p;
	size_t len;

	(void)state;
	assert_string_equal(dt_sb_str(&sb), "");
	dt_sb_adds(&sb, "hello");
	dt_sb_addc(&sb, ' ');
	dt_sb_addf(&sb, "%d %s", 42, "world");
	assert_string_equal(sb.buf, "hello 42 world");
	dt_sb_consume(&sb, 6);
	assert_string_equal(sb.buf, "42 world");
	dt_sb_truncate(&sb, 2);
	assert_string_equal(sb.buf, "42");
	for (int i = 0; i < 10000; i++)
		dt_sb_addf(&sb, "%04d", i % 10000);
	assert_int_equal(sb.len, 2 + 40000);
	p = dt_sb_detach(&sb, &len);
	assert_int_equal(len, 40002);
	assert_null(sb.buf);
	free(p);
}

static char *redacted(const char *in)
{
	struct dt_sb sb = DT_SB_INIT;

	dt_sb_adds(&sb, in);
	dt_redact(&sb);
	return dt_sb_detach(&sb, NULL);
}

#define ASSERT_REDACTS(in, secret) do { \
		char *out_ = redacted(in); \
		assert_null(strstr(out_, secret)); \
		assert_non_null(strstr(out_, "[REDACTED]")); \
		free(out_); \
	} while (0)

static void redaction(void **state)
{
	char *out;

	(void)state;
	ASSERT_REDACTS("Authorization: Bearer abcdef123456", "abcdef123456");
	ASSERT_REDACTS("authorization:Bearer abcdef123456\r\nX: y", "abcdef123456");
	ASSERT_REDACTS("PRIVATE-TOKEN: zzzzzzzz", "zzzzzzzz");
	ASSERT_REDACTS("x-api-key: sk-ant-api03-verysecret", "verysecret");
	ASSERT_REDACTS("GET /api/v4/user?private_token=abc123def456 HTTP/1.1", "abc123def456");
	ASSERT_REDACTS("wss://h/-/cable?token=abc123def456", "abc123def456");
	ASSERT_REDACTS("token was glpat-AbCdEf_123456789 oops", "AbCdEf_123456789");
	ASSERT_REDACTS("{\"access_token\":\"x\",\"refresh_token=qwertyuiop\"}", "qwertyuiop");
	ASSERT_REDACTS("key sk-proj-0123456789abcdef", "0123456789abcdef");
	dt_secret_register("my-very-own-secret");
	ASSERT_REDACTS("body contained my-very-own-secret twice: my-very-own-secret",
		       "my-very-own-secret");
	dt_secret_clear_all();
	out = redacted("nothing secret here: tokens=5 Authorization");
	assert_string_equal(out, "nothing secret here: tokens=5 Authorization");
	free(out);
}

static void log_file_is_private_and_redacted(void **state)
{
	char path[] = "/tmp/duoterm-test-log.XXXXXX";
	int fd = mkstemp(path);
	struct stat st;
	char *text;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	assert_int_equal(dt_log_open(path, DT_LOG_DEBUG), 0);
	dt_secret_register("glpat-secretsecret");
	dt_info("test", "sending PRIVATE-TOKEN: %s to %s", "glpat-secretsecret", "host");
	dt_debug("test", "multi\nline");
	dt_log(DT_LOG_TRACE, "test", "not logged at debug");
	dt_log_close();
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	text = dt_read_file(path, NULL);
	assert_non_null(text);
	assert_null(strstr(text, "secretsecret"));
	assert_non_null(strstr(text, "INFO  test: sending PRIVATE-TOKEN: [REDACTED]"));
	assert_non_null(strstr(text, "multi line"));
	assert_null(strstr(text, "not logged"));
	free(text);
	unlink(path);
	dt_secret_clear_all();
}

static void config_text(void **state)
{
	struct dt_config cfg = {0};
	struct dt_sb err = DT_SB_INIT;

	(void)state;
	assert_int_equal(dt_config_load_text(&cfg, "c.json",
		"{\"gitlab\": {\"instance_url\": \"https://gl.example\", \"project\": \"a/b\"},\n"
		" \"tls\": {\"insecure\": true},\n \"ui\": {\"theme\": \"light\"}}", &err), 0);
	assert_string_equal(cfg.instance_url, "https://gl.example");
	assert_string_equal(cfg.project, "a/b");
	assert_true(dt_config_bool(cfg.tls_insecure));
	assert_string_equal(cfg.theme, "light");
	assert_int_equal(err.len, 0);
	dt_config_release(&cfg);

	assert_int_equal(dt_config_load_text(&cfg, "bad.json", "{\n\"gitlab\": {\n\"x\": ,\n}}",
					     &err), -1);
	assert_non_null(strstr(err.buf, "bad.json: line 3"));
	dt_sb_reset(&err);
	assert_int_equal(dt_config_load_text(&cfg, "t.json", "{\"tls\": {\"insecure\": \"yes\"}}",
					     &err), -1);
	assert_non_null(strstr(err.buf, "\"tls.insecure\" must be true or false"));
	dt_sb_reset(&err);
	assert_int_equal(dt_config_load_text(&cfg, "u.json", "{\"gitlab\": {\"instanceurl\": \"x\"}}",
					     &err), 0);
	assert_non_null(strstr(err.buf, "unknown setting \"gitlab.instanceurl\""));
	dt_config_release(&cfg);
	dt_sb_release(&err);
}

static void config_precedence(void **state)
{
	char dir[] = "/tmp/duoterm-cfg.XXXXXX";
	struct dt_sb path = DT_SB_INIT, err = DT_SB_INIT;
	struct dt_config cfg;
	const char *creds = "{\"instances\": {\"https://gl.example\": {\"token\": \"glpat-fromcreds1\"}}}";

	(void)state;
	assert_non_null(mkdtemp(dir));
	setenv("XDG_CONFIG_HOME", dir, 1);
	dt_sb_addf(&path, "%s/duoterm", dir);
	assert_int_equal(dt_mkdir_p(path.buf, 0700), 0);
	dt_sb_adds(&path, "/config.json");
	{
		const char *conf = "{\"gitlab\": {\"instance_url\": \"https://gl.example/\"}}";

		assert_int_equal(dt_write_file_atomic(path.buf, conf, strlen(conf), 0600), 0);
	}
	dt_sb_reset(&path);
	dt_sb_addf(&path, "%s/duoterm/credentials.json", dir);
	assert_int_equal(dt_write_file_atomic(path.buf, creds, strlen(creds), 0600), 0);
	unsetenv("GITLAB_TOKEN");
	unsetenv("GITLAB_INSTANCE_URL");
	assert_int_equal(dt_config_load(&cfg, &err), 0);
	assert_string_equal(cfg.instance_url, "https://gl.example");
	assert_string_equal(cfg.token, "glpat-fromcreds1");
	assert_string_equal(cfg.token_source, "the credentials file");
	dt_config_release(&cfg);
	setenv("GITLAB_TOKEN", "glpat-fromenv123", 1);
	assert_int_equal(dt_config_load(&cfg, &err), 0);
	assert_string_equal(cfg.token, "glpat-fromenv123");
	assert_string_equal(cfg.token_source, "GITLAB_TOKEN");
	dt_config_release(&cfg);
	unsetenv("GITLAB_TOKEN");
	/* a credentials file others can read is reported */
	chmod(path.buf, 0644);
	assert_int_equal(dt_config_load(&cfg, &err), 0);
	assert_non_null(strstr(err.buf, "readable by others"));
	dt_config_release(&cfg);
	dt_sb_release(&path);
	dt_sb_release(&err);
	dt_secret_clear_all();
	assert_int_equal(dt_remove_tree(dir), 0);
}

/* Every configuration example in the docs parses without a warning. */
static void doc_examples_parse(void **state)
{
	const char *src = getenv("DT_SRCDIR") ? getenv("DT_SRCDIR") : ".";
	struct dt_sb path = DT_SB_INIT, err = DT_SB_INIT;
	char *man, *p;
	int examples = 0;

	(void)state;
	dt_sb_addf(&path, "%s/doc/duoterm.1", src);
	man = dt_read_file(path.buf, NULL);
	assert_non_null(man);
	for (p = man; (p = strstr(p, ".nf\n")) != NULL;) {
		char *end = strstr(p, ".fi\n"), *json;
		struct dt_config cfg = {0};

		assert_non_null(end);
		json = dt_xstrndup(p + 4, (size_t)(end - p - 4));
		if (json[0] == '{') {
			assert_int_equal(dt_config_load_text(&cfg, "doc/duoterm.1", json, &err), 0);
			assert_int_equal(err.len, 0);
			examples++;
		}
		dt_config_release(&cfg);
		free(json);
		p = end;
	}
	assert_true(examples >= 1);
	free(man);
	dt_sb_release(&path);
	dt_sb_release(&err);
}

static void utf8_widths(void **state)
{
	int used;

	(void)state;
	assert_non_null(setlocale(LC_CTYPE, "C.UTF-8"));
	assert_int_equal(dt_utf8_width("abc", 3), 3);
	assert_int_equal(dt_utf8_width("日本語", strlen("日本語")), 6);
	assert_int_equal(dt_utf8_width("e\xcc\x81", 3), 1);          /* e + combining acute */
	assert_int_equal(dt_utf8_width("\xf0\x9f\x98\x80", 4), 2);  /* emoji */
	assert_int_equal(dt_utf8_width("\xff\xfe", 2), 2);          /* invalid bytes */
	/* a wide character never gets cut in half */
	assert_int_equal(dt_utf8_fit("a日本", strlen("a日本"), 2, &used), 1);
	assert_int_equal(used, 1);
	assert_int_equal(dt_utf8_fit("a日本", strlen("a日本"), 3, &used), 4);
	assert_int_equal(used, 3);
	/* combining marks stay with their base */
	assert_int_equal(dt_utf8_fit("ae\xcc\x81x", 5, 2, &used), 4);
}

static int timer_hits;
static void on_timer(struct dt_loop *loop, void *ud)
{
	(void)loop;
	timer_hits += (int)(intptr_t)ud;
}

static int wake_hits;
static void on_wake(struct dt_loop *loop, void *ud)
{
	(void)loop;
	(void)ud;
	wake_hits++;
}

static void loop_timers_and_wake(void **state)
{
	struct dt_loop loop;
	uint64_t t0, id;

	(void)state;
	assert_int_equal(dt_loop_init(&loop), 0);
	dt_loop_on_wake(&loop, on_wake, NULL);
	t0 = dt_now_ms();
	dt_loop_add_timer(&loop, 30, on_timer, (void *)(intptr_t)1);
	id = dt_loop_add_timer(&loop, 10, on_timer, (void *)(intptr_t)100);
	dt_loop_cancel_timer(&loop, id);
	while (!timer_hits)
		assert_int_equal(dt_loop_run_once(&loop, -1), 0);
	assert_int_equal(timer_hits, 1);
	assert_true(dt_now_ms() - t0 >= 29);
	/* many wakes before the loop runs make one wake-up */
	for (int i = 0; i < 100; i++)
		dt_loop_wake(&loop);
	assert_int_equal(dt_loop_run_once(&loop, 1000), 0);
	assert_int_equal(wake_hits, 1);
	/* nothing pending: a 0 timeout returns at once */
	assert_int_equal(dt_loop_run_once(&loop, 0), 0);
	assert_int_equal(wake_hits, 1);
	dt_loop_release(&loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(strbuf_basics),
		cmocka_unit_test(redaction),
		cmocka_unit_test(log_file_is_private_and_redacted),
		cmocka_unit_test(config_text),
		cmocka_unit_test(config_precedence),
		cmocka_unit_test(doc_examples_parse),
		cmocka_unit_test(utf8_widths),
		cmocka_unit_test(loop_timers_and_wake),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
