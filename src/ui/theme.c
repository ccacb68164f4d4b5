#include "duoterm/ui/theme.h"

#include <curses.h>

struct elem_def {
	short fg, bg;
	int attrs;
};

static const struct elem_def dark[DT_E_COUNT] = {
#define DT_ELEM_DEF(e, f, b, at) [DT_E_##e] = {f, b, at},
	DT_THEME_ELEMENTS(DT_ELEM_DEF)
#undef DT_ELEM_DEF
};

/* Without colour: reverse video carries focus and selection. */
static int mono_attr(enum dt_elem e)
{
	switch (e) {
	case DT_E_title_focus:
	case DT_E_selected_focus:
	case DT_E_status_demo:
	case DT_E_tab_front:
		return A_REVERSE | A_BOLD;
	case DT_E_title:
	case DT_E_status:
	case DT_E_status_ok:
	case DT_E_status_warn:
	case DT_E_message:
	case DT_E_tab:
		return A_REVERSE;
	case DT_E_selected:
		return A_BOLD | A_UNDERLINE;
	case DT_E_status_error:
	case DT_E_error:
		return A_BOLD;
	case DT_E_dim:
	case DT_E_empty:
	case DT_E_draft:
		return A_DIM;
	default:
		return A_NORMAL;
	}
}

static int attrs[DT_E_COUNT];
static int colour_on;

static short fit_colour(short c)
{
	if (c < 0)
		return -1;
	if (COLORS >= 256 || c < COLORS)
		return c;
	/* 256-colour greys on a 16/8-colour terminal */
	if (c >= 232)
		return c >= 244 ? 7 : 0;
	return (short)(c % 8);
}

void dt_theme_init(int use_colour)
{
	colour_on = use_colour && has_colors();
	if (colour_on) {
		start_color();
		use_default_colors();
	}
	for (int e = 0; e < DT_E_COUNT; e++) {
		if (!colour_on) {
			attrs[e] = mono_attr((enum dt_elem)e);
			continue;
		}
		init_pair((short)(e + 1), fit_colour(dark[e].fg), fit_colour(dark[e].bg));
		attrs[e] = (int)COLOR_PAIR(e + 1) | dark[e].attrs;
	}
}

int dt_theme_attr(enum dt_elem e)
{
	return attrs[e];
}

int dt_theme_has_colour(void)
{
	return colour_on;
}
