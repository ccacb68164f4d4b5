/* Themes: the parser and its errors, the shipped files, degrading colours
 * to what the terminal has; and the terminal sequences (OSC 52/8/9). */
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
#include "duoterm/ui/term.h"
#include "duoterm/ui/theme.h"

static const char *srcdir(void)
{
	return getenv("DT_SRCDIR") ? getenv("DT_SRCDIR") : ".";
}

static void colours_and_attributes(void **state)
{
	struct dt_colour c;
	unsigned a;

	(void)state;
	assert_int_equal(dt_colour_parse("default", &c), 0);
	assert_int_equal(c.kind, DT_COLOUR_DEFAULT);
	assert_int_equal(dt_colour_parse("208", &c), 0);
	assert_true(c.kind == DT_COLOUR_INDEX && c.v == 208);
	assert_int_equal(dt_colour_parse("bright-red", &c), 0);
	assert_true(c.kind == DT_COLOUR_INDEX && c.v == 9);
	assert_int_equal(dt_colour_parse("#56B4e9", &c), 0);
	assert_true(c.kind == DT_COLOUR_RGB && c.v == 0x56b4e9);
	for (const char *const *bad = (const char *const[]){"256", "-2", "#12345", "#12345g",
							    "pink", "", NULL};
	     *bad; bad++)
		assert_int_equal(dt_colour_parse(*bad, &c), -1);
	assert_int_equal(dt_attrs_parse("bold,underline", &a), 0);
	assert_int_equal(a, DT_A_BOLD | DT_A_UNDERLINE);
	assert_int_equal(dt_attrs_parse("-", &a), 0);
	assert_int_equal(a, 0);
	assert_int_equal(dt_attrs_parse("bold,blinky", &a), -1);
}

static void degrading(void **state)
{
	struct dt_colour red = {DT_COLOUR_RGB, 0xff0000}, grey = {DT_COLOUR_INDEX, 244};
	struct dt_colour blue = {DT_COLOUR_INDEX, 4}, okabe = {DT_COLOUR_RGB, 0x56b4e9};
	struct dt_colour def = {DT_COLOUR_DEFAULT, 0}, bright = {DT_COLOUR_INDEX, 12};

	(void)state;
	assert_int_equal(dt_colour_resolve(red, DT_DEPTH_DIRECT), 0xff0000);
	assert_int_equal(dt_colour_resolve(red, DT_DEPTH_256), 196);
	assert_int_equal(dt_colour_resolve(red, DT_DEPTH_16), 9);
	assert_int_equal(dt_colour_resolve(red, DT_DEPTH_8), 1);
	assert_int_equal(dt_colour_resolve(okabe, DT_DEPTH_256), 74);
	assert_int_equal(dt_colour_resolve(grey, DT_DEPTH_256), 244);
	assert_int_equal(dt_colour_resolve(grey, DT_DEPTH_16), 8);
	assert_int_equal(dt_colour_resolve(grey, DT_DEPTH_DIRECT), 0x808080);
	assert_int_equal(dt_colour_resolve(blue, DT_DEPTH_DIRECT), 4); /* ANSI stays ANSI */
	assert_int_equal(dt_colour_resolve(bright, DT_DEPTH_8), 4);
	assert_int_equal(dt_colour_resolve(def, DT_DEPTH_256), -1);
	assert_int_equal(dt_colour_resolve(red, DT_DEPTH_NONE), -1);
}

static void parse_errors_name_file_and_line(void **state)
{
	struct dt_theme t;
	struct dt_sb err = DT_SB_INIT;
	static const char text[] = "# mine\n"
				   "normal default default -\n"
				   "title_focus #000000 #ffaf00 bold\n"
				   "titel 1 2\n"
				   "ok 1 2 3 4\n"
				   "warn chartreuse\n"
				   "error 1 default blink\n"
				   "   \n"
				   "dim 8\n";

	(void)state;
	dt_theme_builtin(&t);
	assert_int_equal(dt_theme_parse(&t, "my.theme", text, &err), -1);
	assert_string_equal(err.buf,
			    "my.theme:4: unknown element: \"titel\"\n"
			    "my.theme:5: too many fields (element fg bg attrs): \"4\"\n"
			    "my.theme:6: bad colour (default, 0-255, a name or #rrggbb): "
			    "\"chartreuse\"\n"
			    "my.theme:7: bad attributes (- or bold,dim,underline,reverse,italic,"
			    "standout): \"blink\"\n");
	/* good lines still apply; the loader then falls back as a whole */
	assert_int_equal(t.e[DT_E_title_focus].bg.v, 0xffaf00);
	assert_int_equal(t.e[DT_E_dim].fg.v, 8);
	assert_int_equal(t.e[DT_E_dim].bg.kind, DT_COLOUR_DEFAULT);
	dt_sb_release(&err);
}

/* Every shipped theme parses and maps every element; dark.theme is the
 * built-in table. */
static void shipped_themes(void **state)
{
	static const char *const names[] = {"dark", "light", "mono", "cb-safe"};
	struct dt_theme builtin, t;
	struct dt_sb path = DT_SB_INIT, err = DT_SB_INIT;

	(void)state;
	dt_theme_builtin(&builtin);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *text;

		dt_sb_reset(&path);
		dt_sb_addf(&path, "%s/themes/%s.theme", srcdir(), names[i]);
		text = dt_read_file(path.buf, NULL);
		assert_non_null(text);
		dt_theme_builtin(&t);
		if (dt_theme_parse(&t, path.buf, text, &err))
			fail_msg("%s", err.buf);
		for (int e = 0; e < DT_E_COUNT; e++) {
			struct dt_sb needle = DT_SB_INIT;

			dt_sb_addf(&needle, "\n%s ", dt_elem_name((enum dt_elem)e));
			if (!strstr(text, needle.buf))
				fail_msg("%s does not map %s", path.buf, dt_elem_name((enum dt_elem)e));
			dt_sb_release(&needle);
		}
		if (!strcmp(names[i], "dark"))
			assert_memory_equal(t.e, builtin.e, sizeof(t.e));
		free(text);
	}
	dt_sb_release(&path);
	dt_sb_release(&err);
}

static void loading_by_name_and_path(void **state)
{
	struct dt_theme t;
	struct dt_sb err = DT_SB_INIT, dir = DT_SB_INIT, path = DT_SB_INIT;
	char *found;

	(void)state;
	dt_sb_addf(&dir, "%s/themes", srcdir());
	setenv("DUOTERM_THEMES", dir.buf, 1);
	assert_int_equal(dt_theme_load(&t, "cb-safe", &err), 0);
	assert_string_equal(t.name, "cb-safe");
	assert_int_equal(t.e[DT_E_ok].fg.v, 0x56b4e9);
	dt_sb_addf(&path, "%s/light.theme", dir.buf);
	assert_int_equal(dt_theme_load(&t, path.buf, &err), 0);
	assert_string_equal(t.name, "light");
	assert_int_equal(dt_theme_load(&t, "dark", &err), 0);
	assert_int_equal(err.len, 0);
	assert_int_equal(dt_theme_load(&t, "no-such-theme", &err), -1);
	assert_non_null(strstr(err.buf, "theme \"no-such-theme\" not found"));
	assert_string_equal(t.name, "dark");
	found = dt_theme_find("mono");
	assert_non_null(found);
	free(found);
	dt_sb_reset(&err);
	dt_theme_names(&err);
	assert_string_equal(err.buf, "cb-safe\ndark\nlight\nmono\n");
	unsetenv("DUOTERM_THEMES");
	dt_sb_release(&err);
	dt_sb_release(&dir);
	dt_sb_release(&path);
}

static void terminal_sequences(void **state)
{
	struct dt_sb sb = DT_SB_INIT;

	(void)state;
	dt_term_osc52(&sb, "hello", 5, 0);
	assert_string_equal(sb.buf, "\033]52;c;aGVsbG8=\a");
	dt_sb_reset(&sb);
	dt_term_osc52(&sb, "hi", 2, 1);
	assert_string_equal(sb.buf, "\033]52;c;aGk=\a\033Ptmux;\033\033]52;c;aGk=\a\033\\");
	dt_sb_reset(&sb);
	dt_term_osc9(&sb, "approve\a\033]0;x: write src/a.c", 0);
	assert_string_equal(sb.buf, "\033]9;approve]0;x: write src/a.c\a");
	dt_sb_reset(&sb);
	dt_term_osc8(&sb, "https://gitlab.example.com/g/p/-/merge_requests/7\033", "!7", 2);
	assert_string_equal(sb.buf, "\033]8;;https://gitlab.example.com/g/p/-/merge_requests/7"
				    "\033\\!7\033]8;;\033\\");
	dt_sb_release(&sb);
}

/* The THEMES section of doc/duoterm.1 is what dt_theme_man() prints. */
static void man_section_is_current(void **state)
{
	struct dt_sb man = DT_SB_INIT, path = DT_SB_INIT, doc = DT_SB_INIT;
	char *have;

	(void)state;
	dt_theme_man(&man);
	assert_non_null(strstr(man.buf, "\nselected_focus,\n"));
	dt_sb_addf(&path, "%s/doc/duoterm.1", srcdir());
	have = dt_read_file(path.buf, NULL);
	if (!have)
		fail_msg("cannot read %s", path.buf);
	dt_sb_adds(&doc, have);
	if (dt_doc_splice(&doc, "themes", man.buf))
		fail_msg("%s has no '.\\\" themes: begin' / end lines", path.buf);
	if (strcmp(have, doc.buf) && getenv("DT_UPDATE_GOLDEN") &&
	    !strcmp(getenv("DT_UPDATE_GOLDEN"), "1")) {
		assert_int_equal(dt_write_file_atomic(path.buf, doc.buf, doc.len, 0644), 0);
		print_message("updated the THEMES section of %s\n", path.buf);
	} else if (strcmp(have, doc.buf)) {
		fail_msg("the THEMES section of %s is out of date: run DT_UPDATE_GOLDEN=1 "
			 "build/tests/test_ui_theme", path.buf);
	}
	free(have);
	dt_sb_release(&man);
	dt_sb_release(&path);
	dt_sb_release(&doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(colours_and_attributes),
		cmocka_unit_test(degrading),
		cmocka_unit_test(parse_errors_name_file_and_line),
		cmocka_unit_test(shipped_themes),
		cmocka_unit_test(loading_by_name_and_path),
		cmocka_unit_test(terminal_sequences),
		cmocka_unit_test(man_section_is_current),
	};

	setlocale(LC_CTYPE, "C.UTF-8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
