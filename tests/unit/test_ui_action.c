/* The action table and the keymap: defaults parse and never clash, lookups
 * by context, rebinding from config.json with errors naming file and line,
 * the help text, and the KEYS section of doc/duoterm.1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duoterm/core/config.h"
#include "duoterm/ui/action.h"

static void defaults_parse_and_do_not_clash(void **state)
{
	struct dt_keymap km;
	size_t tokens = 0;

	(void)state;
	dt_keymap_init(&km);
	for (int a = 1; a < DT_ACT_COUNT; a++) {
		const char *k = dt_action_default_keys((enum dt_action)a);

		for (const char *p = k; *p; p++)
			tokens += (p == k || p[-1] == ' ') && *p != ' ';
		assert_int_equal(dt_action_by_name(dt_action_name((enum dt_action)a)), a);
		assert_true(dt_action_ctx((enum dt_action)a) != 0);
		assert_true(strlen(dt_action_help((enum dt_action)a)) > 5);
	}
	assert_int_equal(km.n, tokens); /* every default key name parsed */
	for (size_t i = 0; i < km.n; i++)
		for (size_t j = i + 1; j < km.n; j++)
			if (km.b[i].key == km.b[j].key)
				assert_int_equal(dt_action_ctx(km.b[i].action) &
							 dt_action_ctx(km.b[j].action), 0);
	assert_int_equal(dt_action_by_name("no-such-thing"), DT_ACT_NONE);
	dt_keymap_release(&km);
}

static void lookups_by_context(void **state)
{
	struct dt_keymap km;

	(void)state;
	dt_keymap_init(&km);
	assert_int_equal(dt_keymap_lookup(&km, DT_CTX_GLOBAL, 'q'), DT_ACT_QUIT);
	assert_int_equal(dt_keymap_lookup(&km, DT_CTX_LIST, 'j'), DT_ACT_DOWN);
	assert_int_equal(dt_keymap_lookup(&km, DT_CTX_LIST, DT_KEY_DOWN), DT_ACT_DOWN);
	assert_int_equal(dt_keymap_lookup(&km, DT_CTX_LIST, DT_KEY_ENTER), DT_ACT_OPEN);
	assert_int_equal(dt_keymap_lookup(&km, DT_CTX_CHAT | DT_CTX_INPUT, DT_KEY_ENTER),
			 DT_ACT_SUBMIT);
	assert_int_equal(dt_keymap_lookup(&km, DT_CTX_CHAT, DT_KEY_ENTER | DT_KEY_MOD_ALT),
			 DT_ACT_NEWLINE);
	assert_int_equal(dt_keymap_lookup(&km, DT_CTX_CHAT, DT_KEY_ENTER | DT_KEY_MOD_SHIFT),
			 DT_ACT_NEWLINE);
	assert_int_equal(dt_keymap_lookup(&km, DT_CTX_INPUT, DT_KEY_CTRL('a')), DT_ACT_LINE_START);
	assert_int_equal(dt_keymap_lookup(&km, DT_CTX_PROMPT | DT_CTX_INPUT, DT_KEY_TAB),
			 DT_ACT_COMPLETE);
	assert_int_equal(dt_keymap_lookup(&km, DT_CTX_GLOBAL, DT_KEY_TAB), DT_ACT_FOCUS_NEXT);
	assert_int_equal(dt_keymap_lookup(&km, DT_CTX_GLOBAL, DT_KEY_TAB | DT_KEY_MOD_SHIFT),
			 DT_ACT_FOCUS_PREV);
	assert_int_equal(dt_keymap_lookup(&km, DT_CTX_DIALOG, 'y'), DT_ACT_YES);
	assert_int_equal(dt_keymap_lookup(&km, DT_CTX_DIALOG, DT_KEY_ESC), DT_ACT_CANCEL);
	assert_int_equal(dt_keymap_lookup(&km, DT_CTX_CHAT | DT_CTX_INPUT, 'q'), DT_ACT_NONE);
	for (int i = 0; i < 6; i++)
		assert_int_equal(dt_keymap_lookup(&km, DT_CTX_GLOBAL, (dt_key)('1' + i)),
				 DT_ACT_FOCUS_PLAN + i);
	dt_keymap_release(&km);
}

static const char config[] =
	"{\n"
	"  \"ui\": {\"theme\": \"light\"},\n"
	"  \"keys\": {\n"
	"    \"quit\": \"Q\",\n"
	"    \"move-up\": [\"j\", \"Up\"],\n"
	"    \"zoom\": \"\",\n"
	"    \"quitt\": \"x\",\n"
	"    \"help\": \"Ctrl+Shift+Banana\",\n"
	"    \"redraw\": 12,\n"
	"    \"move-first\": \"g C-Home Home\"\n"
	"  }\n"
	"}\n";

static void rebinding_from_config(void **state)
{
	struct dt_keymap km;
	struct dt_sb err = DT_SB_INIT, keys = DT_SB_INIT;
	dt_key ch;

	(void)state;
	dt_keymap_init(&km);
	assert_int_equal(dt_keymap_load_json(&km, "/home/u/.config/duoterm/config.json", config,
					     &err), 3);
	assert_string_equal(err.buf,
			    "/home/u/.config/duoterm/config.json:7: unknown action \"quitt\" in "
			    "\"keys\" (the help, ?, lists every action's name)\n"
			    "/home/u/.config/duoterm/config.json:8: \"help\": unknown key "
			    "\"Ctrl+Shift+Banana\" (write keys like q, Q, C-q, M-x, S-Tab, Enter, "
			    "Esc, Space, PgDn, F5)\n"
			    "/home/u/.config/duoterm/config.json:9: \"redraw\": give a key name, "
			    "several separated by spaces, or a list of names\n");
	assert_int_equal(dt_keymap_lookup(&km, DT_CTX_GLOBAL, 'Q'), DT_ACT_QUIT);
	assert_int_equal(dt_keymap_lookup(&km, DT_CTX_GLOBAL, 'q'), DT_ACT_NONE);
	/* j moved to move-up, so move-down lost it but kept its other keys */
	assert_int_equal(dt_keymap_lookup(&km, DT_CTX_LIST, 'j'), DT_ACT_UP);
	assert_int_equal(dt_keymap_lookup(&km, DT_CTX_LIST, DT_KEY_DOWN), DT_ACT_DOWN);
	assert_int_equal(dt_keymap_lookup(&km, DT_CTX_LIST, 'k'), DT_ACT_NONE);
	assert_int_equal(dt_keymap_lookup(&km, DT_CTX_GLOBAL, 'z'), DT_ACT_NONE);
	/* bad entries left the defaults alone */
	assert_int_equal(dt_keymap_lookup(&km, DT_CTX_GLOBAL, '?'), DT_ACT_HELP);
	assert_int_equal(dt_keymap_lookup(&km, DT_CTX_GLOBAL, DT_KEY_CTRL('l')), DT_ACT_REDRAW);
	assert_int_equal(dt_key_parse("C-Home", &ch), 0);
	assert_int_equal(dt_keymap_lookup(&km, DT_CTX_LIST, ch), DT_ACT_FIRST);
	dt_keymap_keys(&km, DT_ACT_UP, &keys);
	assert_string_equal(keys.buf, "j, Up");
	dt_sb_reset(&err);
	assert_int_equal(dt_keymap_load_json(&km, "p.json", "{\"keys\": [1]}", &err), 1);
	assert_string_equal(err.buf, "p.json:1: \"keys\" must be an object, e.g. {\"keys\": "
				     "{\"quit\": \"Q\"}}\n");
	dt_sb_reset(&err);
	assert_int_equal(dt_keymap_load_json(&km, "p.json", "{\"ui\": {}}", &err), 0);
	assert_int_equal(err.len, 0);
	dt_sb_release(&err);
	dt_sb_release(&keys);
	dt_keymap_release(&km);
}

/* The config loader owns the file: the same text must pass it (no unknown
 * "keys" warnings), so a user's rebinding never looks like a mistake. */
static void config_loader_accepts_keys(void **state)
{
	struct dt_config cfg = {0};
	struct dt_sb err = DT_SB_INIT;

	(void)state;
	assert_int_equal(dt_config_load_text(&cfg, "c.json", config, &err), 0);
	assert_null(strstr(err.buf ? err.buf : "", "keys"));
	dt_config_release(&cfg);
	dt_sb_release(&err);
}

static void help_follows_bindings(void **state)
{
	struct dt_keymap km;
	struct dt_sb help = DT_SB_INIT, err = DT_SB_INIT;

	(void)state;
	dt_keymap_init(&km);
	dt_keymap_load_json(&km, "c", "{\"keys\": {\"quit\": \"C-q Q\"}}", &err);
	dt_keymap_help(&km, &help);
	assert_non_null(strstr(help.buf, "# Anywhere"));
	assert_non_null(strstr(help.buf, "\nC-q, Q\tQuit (asks first while the agent is working) "
					 "(quit)\n"));
	assert_non_null(strstr(help.buf, "\n-\tTurn mouse support on or off (toggle-mouse)\n"));
	assert_non_null(strstr(help.buf, "# Dialogs\ny, Y\tAnswer yes (dialog-yes)\n"));
	dt_sb_release(&help);
	dt_sb_release(&err);
	dt_keymap_release(&km);
}

/* The KEYS section of doc/duoterm.1 is what dt_keymap_man() prints;
 * DT_UPDATE_GOLDEN=1 rewrites it there. */
static void man_section_is_current(void **state)
{
	struct dt_sb man = DT_SB_INIT, path = DT_SB_INIT, doc = DT_SB_INIT;
	const char *src = getenv("DT_SRCDIR");
	char *have;

	(void)state;
	dt_keymap_man(&man);
	assert_non_null(strstr(man.buf, ".SH KEYS\n"));
	assert_non_null(strstr(man.buf, ".TP\n\\fBj, Down, C\\-n\\fR  (move\\-down)\nMove down.\n"));
	dt_sb_addf(&path, "%s/doc/duoterm.1", src ? src : ".");
	have = dt_read_file(path.buf, NULL);
	if (!have)
		fail_msg("cannot read %s", path.buf);
	dt_sb_adds(&doc, have);
	if (dt_doc_splice(&doc, "keys", man.buf))
		fail_msg("%s has no '.\\\" keys: begin' / end lines", path.buf);
	if (strcmp(have, doc.buf) && getenv("DT_UPDATE_GOLDEN") &&
	    !strcmp(getenv("DT_UPDATE_GOLDEN"), "1")) {
		assert_int_equal(dt_write_file_atomic(path.buf, doc.buf, doc.len, 0644), 0);
		print_message("updated the KEYS section of %s\n", path.buf);
	} else if (strcmp(have, doc.buf)) {
		fail_msg("the KEYS section of %s is out of date: run DT_UPDATE_GOLDEN=1 "
			 "build/tests/test_ui_action", path.buf);
	}
	free(have);
	dt_sb_release(&man);
	dt_sb_release(&path);
	dt_sb_release(&doc);
}

static void splice(void **state)
{
	struct dt_sb doc = DT_SB_INIT;

	(void)state;
	dt_sb_adds(&doc, "a\n.\\\" x: begin\nold\n.\\\" x: end\nb\n");
	assert_int_equal(dt_doc_splice(&doc, "x", "new\nlines\n"), 0);
	assert_string_equal(doc.buf, "a\n.\\\" x: begin\nnew\nlines\n.\\\" x: end\nb\n");
	assert_int_equal(dt_doc_splice(&doc, "y", "z"), -1);
	dt_sb_release(&doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_parse_and_do_not_clash),
		cmocka_unit_test(lookups_by_context),
		cmocka_unit_test(rebinding_from_config),
		cmocka_unit_test(config_loader_accepts_keys),
		cmocka_unit_test(help_follows_bindings),
		cmocka_unit_test(man_section_is_current),
		cmocka_unit_test(splice),
	};

	setlocale(LC_CTYPE, "C.UTF-8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
