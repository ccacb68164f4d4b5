/*
 * Semantic colour elements.  Panes draw with elements, never with colours;
 * a theme maps each element to foreground, background and attributes.
 * One X-macro table is the single list of elements.
 */
#ifndef DUOTERM_UI_THEME_H
#define DUOTERM_UI_THEME_H

/* X(element, fg, bg, attrs) — the built-in dark theme */
#define DT_THEME_ELEMENTS(X) \
	X(normal, -1, -1, 0) \
	X(dim, 8, -1, 0) \
	X(title, 7, 236, 0) \
	X(title_focus, 0, 4, A_BOLD) \
	X(separator, 240, -1, 0) \
	X(selected, -1, 237, A_BOLD) \
	X(selected_focus, 0, 6, 0) \
	X(status, 7, 235, 0) \
	X(status_demo, 0, 3, A_BOLD) \
	X(status_ok, 2, 235, 0) \
	X(status_warn, 3, 235, 0) \
	X(status_error, 1, 235, A_BOLD) \
	X(message, 3, 235, 0) \
	X(empty, 8, -1, 0) \
	X(ok, 2, -1, 0) \
	X(warn, 3, -1, 0) \
	X(error, 1, -1, 0) \
	X(running, 4, -1, 0) \
	X(draft, 8, -1, 0) \
	X(id, 6, -1, 0) \
	X(tab, 7, 236, 0) \
	X(tab_front, 0, 7, A_BOLD)

enum dt_elem {
#define DT_ELEM_ENUM(e, fg, bg, at) DT_E_##e,
	DT_THEME_ELEMENTS(DT_ELEM_ENUM)
#undef DT_ELEM_ENUM
	DT_E_COUNT
};

/* Sets up colour pairs after initscr(); honours NO_COLOR and terminals
 * without colour (attributes only). */
void dt_theme_init(int use_colour);
/* The curses attribute (pair + attrs) for an element. */
int dt_theme_attr(enum dt_elem e);
int dt_theme_has_colour(void);

#endif
