/*
 * Semantic colour elements and themes (htop's CRT colours).  Panes draw with
 * elements, never with colours; a theme maps each element to a foreground,
 * a background and attributes.
 *
 * Theme files (themes/NAME.theme) are text, one element a line:
 *
 *     # comment
 *     title_focus   #1d1f21  #81a2be  bold
 *     selected      default  237      -
 *
 * Colours: "default", 0..255, a name (black red green yellow blue magenta
 * cyan white, bright-black ... bright-white, grey), or #rrggbb.  Attributes:
 * "-" or a comma list of bold dim underline reverse italic standout.
 * Elements a file leaves out keep the built-in dark theme's mapping.  The
 * colours are degraded to what the terminal has: truecolor (a terminfo
 * entry with direct colour, e.g. TERM=xterm-direct) -> 256 -> 16 -> 8; with
 * no colour at all (NO_COLOR, --no-color, a mono terminal) every element
 * uses its "mono" attributes from the table below, which carry the meaning
 * alone (focus and selection in reverse video, errors bold ...).
 */
#ifndef DUOTERM_UI_THEME_H
#define DUOTERM_UI_THEME_H

#include <stdint.h>

#include "duoterm/core/strbuf.h"

/* X(element, fg, bg, attrs, mono attrs) — the built-in dark theme */
#define DT_THEME_ELEMENTS(X) \
	X(normal, "default", "default", "-", "-") \
	X(dim, "245", "default", "-", "dim") \
	X(title, "252", "236", "-", "bold") \
	X(title_focus, "16", "74", "bold", "reverse,bold") \
	X(separator, "240", "default", "-", "-") \
	X(selected, "default", "237", "-", "underline") \
	X(selected_focus, "16", "152", "-", "reverse") \
	X(status, "252", "235", "-", "reverse") \
	X(status_demo, "16", "178", "bold", "reverse,bold") \
	X(status_ok, "114", "235", "-", "reverse") \
	X(status_warn, "179", "235", "-", "reverse") \
	X(status_error, "203", "235", "bold", "reverse,bold") \
	X(message, "222", "235", "-", "reverse") \
	X(message_error, "210", "235", "bold", "reverse,bold,underline") \
	X(empty, "245", "default", "-", "dim") \
	X(ok, "114", "default", "-", "-") \
	X(warn, "179", "default", "-", "bold") \
	X(error, "203", "default", "bold", "bold") \
	X(running, "75", "default", "-", "bold") \
	X(draft, "245", "default", "-", "dim") \
	X(id, "73", "default", "-", "-") \
	X(tab, "245", "236", "-", "dim") \
	X(tab_front, "252", "238", "bold", "bold,underline") \
	X(search_match, "16", "179", "-", "reverse,underline") \
	X(link, "75", "default", "underline", "underline") \
	X(prompt, "179", "235", "bold", "reverse,bold") \
	X(input, "default", "default", "-", "-") \
	X(input_chip, "16", "110", "-", "reverse") \
	X(chat_user, "179", "default", "bold", "bold") \
	X(chat_agent, "default", "default", "-", "-") \
	X(chat_tool, "110", "default", "-", "dim") \
	X(chat_system, "245", "default", "-", "dim") \
	X(chat_error, "203", "default", "-", "bold") \
	X(dialog, "252", "237", "-", "reverse") \
	X(dialog_border, "74", "237", "-", "reverse") \
	X(dialog_title, "16", "74", "bold", "bold") \
	X(help_key, "179", "237", "bold", "reverse,bold") \
	X(help_section, "74", "237", "bold", "reverse,underline") \
	X(diff_add, "114", "default", "-", "bold") \
	X(diff_del, "203", "default", "-", "dim") \
	X(diff_hunk, "74", "default", "-", "underline") \
	X(diff_file, "252", "default", "bold", "bold") \
	X(diff_add_word, "16", "114", "-", "bold,reverse") \
	X(diff_del_word, "16", "203", "-", "reverse") \
	X(diff_lineno, "240", "default", "-", "dim") \
	X(review_current, "75", "default", "bold", "bold") \
	X(review_stale, "179", "default", "bold", "bold,underline") \
	X(md_heading, "74", "default", "bold", "bold,underline") \
	X(md_marker, "245", "default", "-", "dim") \
	X(md_strong, "default", "default", "bold", "bold") \
	X(md_emph, "default", "default", "italic", "italic") \
	X(md_code, "180", "236", "-", "bold") \
	X(md_code_block, "187", "default", "-", "-") \
	X(md_code_lang, "110", "default", "italic", "dim,underline") \
	X(md_link, "75", "default", "underline", "underline") \
	X(md_quote, "245", "default", "italic", "dim") \
	X(md_rule, "240", "default", "-", "dim")

enum dt_elem {
#define DT_ELEM_ENUM(e, fg, bg, at, mono) DT_E_##e,
	DT_THEME_ELEMENTS(DT_ELEM_ENUM)
#undef DT_ELEM_ENUM
	DT_E_COUNT
};

enum dt_attr {
	DT_A_BOLD = 1,
	DT_A_DIM = 2,
	DT_A_UNDERLINE = 4,
	DT_A_REVERSE = 8,
	DT_A_ITALIC = 16,
	DT_A_STANDOUT = 32,
};

enum dt_colour_kind { DT_COLOUR_DEFAULT, DT_COLOUR_INDEX, DT_COLOUR_RGB };

struct dt_colour {
	enum dt_colour_kind kind;
	uint32_t v; /* 0..255, or 0xRRGGBB */
};

struct dt_theme_elem {
	struct dt_colour fg, bg;
	unsigned attrs;
};

struct dt_theme {
	char name[64];
	struct dt_theme_elem e[DT_E_COUNT];
};

/* What the terminal can show. */
enum dt_depth { DT_DEPTH_NONE, DT_DEPTH_8, DT_DEPTH_16, DT_DEPTH_256, DT_DEPTH_DIRECT };

const char *dt_elem_name(enum dt_elem e);
/* The built-in dark theme. */
void dt_theme_builtin(struct dt_theme *t);
/* Applies theme-file text over t.  0, or -1 with one line per problem in
 * err ("FILE:LINE: ..."); the good lines are applied either way. */
int dt_theme_parse(struct dt_theme *t, const char *file, const char *text, struct dt_sb *err);
/* The file for a theme name: $DUOTERM_THEMES (a directory or a
 * colon-separated list), <exe dir>/../themes, $(prefix)/share/duoterm/themes.
 * A name with a '/' or ending in ".theme" is a path.  NULL if not found. */
char *dt_theme_find(const char *name_or_path);
/* Loads a theme by name or path ("dark" works even without its file).
 * 0; or -1 with the reason in err (naming the file and line) and the dark
 * theme in t.  No curses: call it before the screen starts to check --theme. */
int dt_theme_load(struct dt_theme *t, const char *name_or_path, struct dt_sb *err);
/* The names of the themes found, sorted, each once, '\n'-separated. */
void dt_theme_names(struct dt_sb *out);

/* Parsing pieces, for tests. */
int dt_colour_parse(const char *s, struct dt_colour *c);
int dt_attrs_parse(const char *s, unsigned *attrs);
/* The terminal colour number for c at a depth (-1: the terminal default;
 * at DT_DEPTH_DIRECT an RGB value as ncurses' direct colour wants it). */
int dt_colour_resolve(struct dt_colour c, enum dt_depth depth);

/* The man page's THEMES section (roff), with every element's name. */
void dt_theme_man(struct dt_sb *out);

/* After the screen started: sets up colour pairs for t (NULL: dark) at the
 * terminal's depth; use_colour 0 (NO_COLOR) uses the mono attributes. */
void dt_theme_apply(const struct dt_theme *t, int use_colour);
/* The curses attribute (pair + attributes) for an element. */
int dt_theme_attr(enum dt_elem e);
enum dt_depth dt_theme_depth(void);
const char *dt_theme_current(void);
/* Compatibility: dt_theme_apply(NULL, use_colour). */
void dt_theme_init(int use_colour);

#endif
