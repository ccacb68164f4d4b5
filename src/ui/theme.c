#include "duoterm/ui/theme.h"

#include <curses.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "duoterm/core/config.h"

#ifndef DUOTERM_PREFIX
#define DUOTERM_PREFIX "/usr/local"
#endif

struct elem_def {
	const char *name, *fg, *bg, *attrs, *mono;
};

static const struct elem_def defs[DT_E_COUNT] = {
#define DT_ELEM_DEF(e, f, b, at, mono) [DT_E_##e] = {#e, f, b, at, mono},
	DT_THEME_ELEMENTS(DT_ELEM_DEF)
#undef DT_ELEM_DEF
};

const char *dt_elem_name(enum dt_elem e)
{
	return e < DT_E_COUNT ? defs[e].name : "?";
}

static const char *const colour_names[16] = {
	"black",	"red",		"green",	 "yellow",	  "blue",	"magenta",
	"cyan",		"white",	"bright-black",	 "bright-red",	  "bright-green", "bright-yellow",
	"bright-blue",	"bright-magenta", "bright-cyan", "bright-white",
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int dt_colour_parse(const char *s, struct dt_colour *c)
{
	char *end;
	long n;

	if (!strcasecmp(s, "default") || !strcmp(s, "-1") || !strcmp(s, "-")) {
		*c = (struct dt_colour){DT_COLOUR_DEFAULT, 0};
		return 0;
	}
	if (s[0] == '#' && strlen(s) == 7) {
		uint32_t v = 0;

		for (int i = 1; i < 7; i++) {
			if (hexval(s[i]) < 0)
				return -1;
			v = v << 4 | (uint32_t)hexval(s[i]);
		}
		*c = (struct dt_colour){DT_COLOUR_RGB, v};
		return 0;
	}
	if (!strcasecmp(s, "grey") || !strcasecmp(s, "gray")) {
		*c = (struct dt_colour){DT_COLOUR_INDEX, 8};
		return 0;
	}
	for (int i = 0; i < 16; i++)
		if (!strcasecmp(s, colour_names[i])) {
			*c = (struct dt_colour){DT_COLOUR_INDEX, (uint32_t)i};
			return 0;
		}
	n = strtol(s, &end, 10);
	if (!*s || *end || n < 0 || n > 255)
		return -1;
	*c = (struct dt_colour){DT_COLOUR_INDEX, (uint32_t)n};
	return 0;
}

int dt_attrs_parse(const char *s, unsigned *attrs)
{
	static const struct {
		const char *name;
		unsigned a;
	} names[] = {
		{"bold", DT_A_BOLD},	     {"dim", DT_A_DIM},       {"underline", DT_A_UNDERLINE},
		{"reverse", DT_A_REVERSE},   {"italic", DT_A_ITALIC}, {"standout", DT_A_STANDOUT},
	};
	char *copy, *save = NULL;
	int rc = 0;

	*attrs = 0;
	if (!strcmp(s, "-") || !strcasecmp(s, "none") || !strcasecmp(s, "normal"))
		return 0;
	copy = dt_xstrdup(s);
	for (char *t = strtok_r(copy, ",|+", &save); t && !rc; t = strtok_r(NULL, ",|+", &save)) {
		size_t i;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcasecmp(t, names[i].name))
				break;
		if (i == sizeof(names) / sizeof(names[0]))
			rc = -1;
		else
			*attrs |= names[i].a;
	}
	free(copy);
	return rc;
}

void dt_theme_builtin(struct dt_theme *t)
{
	*t = (struct dt_theme){0};
	snprintf(t->name, sizeof(t->name), "dark");
	for (int e = 0; e < DT_E_COUNT; e++) {
		dt_colour_parse(defs[e].fg, &t->e[e].fg);
		dt_colour_parse(defs[e].bg, &t->e[e].bg);
		dt_attrs_parse(defs[e].attrs, &t->e[e].attrs);
	}
}

static int elem_by_name(const char *name)
{
	for (int e = 0; e < DT_E_COUNT; e++)
		if (!strcmp(defs[e].name, name))
			return e;
	return -1;
}

/* One "element fg [bg [attrs]]" line; NULL or what is wrong with it. */
static const char *parse_line(struct dt_theme *t, char *line, const char **what)
{
	char *f[5], *save = NULL;
	int n = 0, e;
	struct dt_theme_elem el = {{DT_COLOUR_DEFAULT, 0}, {DT_COLOUR_DEFAULT, 0}, 0};

	for (char *tok = strtok_r(line, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (n == 4) {
			*what = tok;
			return "too many fields (element fg bg attrs)";
		}
		f[n++] = tok;
	}
	*what = f[0];
	e = elem_by_name(f[0]);
	if (e < 0)
		return "unknown element";
	if (n < 2)
		return "missing colours (element fg bg attrs)";
	*what = f[1];
	if (dt_colour_parse(f[1], &el.fg))
		return "bad colour (default, 0-255, a name or #rrggbb)";
	*what = n > 2 ? f[2] : "";
	if (n > 2 && dt_colour_parse(f[2], &el.bg))
		return "bad colour (default, 0-255, a name or #rrggbb)";
	*what = n > 3 ? f[3] : "";
	if (n > 3 && dt_attrs_parse(f[3], &el.attrs))
		return "bad attributes (- or bold,dim,underline,reverse,italic,standout)";
	t->e[e] = el;
	return NULL;
}

int dt_theme_parse(struct dt_theme *t, const char *file, const char *text, struct dt_sb *err)
{
	int lineno = 0, rc = 0;

	while (*text) {
		size_t len = strcspn(text, "\n");
		char *line = dt_xstrndup(text, len), *s = line;
		const char *what = "", *why;

		lineno++;
		text += len + (text[len] == '\n');
		while (*s == ' ' || *s == '\t')
			s++;
		s[strcspn(s, "\r")] = '\0';
		if (*s && *s != '#' && (why = parse_line(t, s, &what)) != NULL) {
			dt_sb_addf(err, "%s:%d: %s: \"%s\"\n", file, lineno, why, what);
			rc = -1;
		}
		free(line);
	}
	return rc;
}

static void add_dirs(struct dt_sb *dirs)
{
	const char *env = getenv("DUOTERM_THEMES");
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (env && *env)
		dt_sb_addf(dirs, "%s:", env);
	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			dt_sb_addf(dirs, "%s/../themes:%s/../../themes:", exe, exe);
		}
	}
	dt_sb_addf(dirs, "%s/share/duoterm/themes", DUOTERM_PREFIX);
}

static int readable(const char *path)
{
	return access(path, R_OK) == 0;
}

char *dt_theme_find(const char *name)
{
	struct dt_sb dirs = DT_SB_INIT, path = DT_SB_INIT;
	char *save = NULL, *found = NULL;
	size_t nl = strlen(name);

	if (strchr(name, '/') || (nl > 6 && !strcmp(name + nl - 6, ".theme")))
		return readable(name) ? dt_xstrdup(name) : NULL;
	add_dirs(&dirs);
	for (char *d = strtok_r(dirs.buf, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		dt_sb_reset(&path);
		dt_sb_addf(&path, "%s/%s.theme", d, name);
		if (readable(path.buf))
			found = dt_sb_detach(&path, NULL);
	}
	dt_sb_release(&dirs);
	dt_sb_release(&path);
	return found;
}

/* "dir/cb-safe.theme" is called "cb-safe" */
static void set_name(struct dt_theme *t, const char *name)
{
	const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	size_t n = strlen(base);

	if (n > 6 && !strcmp(base + n - 6, ".theme"))
		n -= 6;
	snprintf(t->name, sizeof(t->name), "%.*s", (int)n, base);
}

int dt_theme_load(struct dt_theme *t, const char *name, struct dt_sb *err)
{
	char *path, *text;
	int rc;

	dt_theme_builtin(t);
	if (!name || !*name)
		return 0;
	path = dt_theme_find(name);
	if (!path) {
		if (!strcmp(name, "dark"))
			return 0;
		dt_sb_addf(err, "theme \"%s\" not found (looked in $DUOTERM_THEMES, beside the "
				"program and in %s/share/duoterm/themes)\n", name, DUOTERM_PREFIX);
		return -1;
	}
	text = dt_read_file(path, NULL);
	if (!text) {
		dt_sb_addf(err, "%s: %s\n", path, strerror(errno));
		free(path);
		return -1;
	}
	rc = dt_theme_parse(t, path, text, err);
	if (rc)
		dt_theme_builtin(t); /* all or nothing: a half-applied theme is confusing */
	else
		set_name(t, name);
	free(text);
	free(path);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void scan_dir(const char *dir, char ***names, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		if (l <= 6 || strcmp(de->d_name + l - 6, ".theme"))
			continue;
		*names = dt_xrealloc(*names, (*n + 1) * sizeof(**names));
		(*names)[(*n)++] = dt_xstrndup(de->d_name, l - 6);
	}
	closedir(d);
}

void dt_theme_names(struct dt_sb *out)
{
	struct dt_sb dirs = DT_SB_INIT;
	char **names = dt_xmalloc(sizeof(*names)), *save = NULL;
	size_t n = 1;

	names[0] = dt_xstrdup("dark");
	add_dirs(&dirs);
	for (char *d = strtok_r(dirs.buf, ":", &save); d; d = strtok_r(NULL, ":", &save))
		scan_dir(d, &names, &n);
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++)
		if (!i || strcmp(names[i], names[i - 1]))
			dt_sb_addf(out, "%s\n", names[i]);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	dt_sb_release(&dirs);
}

void dt_theme_man(struct dt_sb *out)
{
	dt_sb_adds(out,
		   ".\\\" Generated from the element table (include/duoterm/ui/theme.h);\n"
		   ".\\\" DT_UPDATE_GOLDEN=1 build/tests/test_ui_theme rewrites it.\n"
		   ".SH THEMES\n"
		   "Panes draw with named elements, never with colours; a theme maps each\n"
		   "element to a foreground, a background and attributes.  Four come with\n"
		   "duoterm: \\fBdark\\fR (the default), \\fBlight\\fR, \\fBmono\\fR (attributes only)\n"
		   "and \\fBcb\\-safe\\fR (the Okabe\\-Ito palette, for colour\\-blind eyes).\n"
		   "Choose one with \\fB\\-\\-theme\\fR \\fINAME\\fR|\\fIFILE\\fR, \\fBui.theme\\fR in\n"
		   "\\fIconfig.json\\fR, or the \\fBchoose\\-theme\\fR action.\n"
		   ".PP\n"
		   "A theme file has one element a line:\n"
		   ".IR \"element fg bg attrs\" ,\n"
		   "where a colour is \\fBdefault\\fR, 0\\-255, a name (black, red, green, yellow,\n"
		   "blue, magenta, cyan, white, bright\\-red ..., grey) or \\fB#rrggbb\\fR, and the\n"
		   "attributes are \\fB\\-\\fR or a comma list of bold, dim, underline, reverse,\n"
		   "italic, standout.  Lines starting with # are comments; elements left out keep\n"
		   "the dark theme's colours.  A mistake is reported with the file and line, and\n"
		   "the dark theme is used.  Colours are degraded to what the terminal has:\n"
		   "truecolor (a terminfo entry with direct colour, e.g.\n"
		   ".BR TERM=xterm\\-direct ),\n"
		   "256, 16 or 8 colours; with none (\\fBNO_COLOR\\fR, \\fB\\-\\-no\\-color\\fR, a\n"
		   "monochrome terminal) the attributes of the mono theme carry the meaning.\n"
		   ".PP\n"
		   "The elements:\n");
	for (int e = 0; e < DT_E_COUNT; e++) {
		dt_sb_adds(out, e ? ",\n" : "");
		for (const char *c = defs[e].name; *c; c++)
			dt_sb_adds(out, *c == '-' ? "\\-" : (char[2]){*c, 0});
	}
	dt_sb_adds(out, ".\n");
}

/* ---- degrading colours ---- */

static const uint32_t ansi16[16] = {
	0x000000, 0xcd0000, 0x00cd00, 0xcdcd00, 0x0000ee, 0xcd00cd, 0x00cdcd, 0xe5e5e5,
	0x7f7f7f, 0xff0000, 0x00ff00, 0xffff00, 0x5c5cff, 0xff00ff, 0x00ffff, 0xffffff,
};

static uint32_t index_rgb(unsigned i)
{
	static const unsigned lvl[6] = {0, 95, 135, 175, 215, 255};

	if (i < 16)
		return ansi16[i];
	if (i >= 232) {
		unsigned g = 8 + 10 * (i - 232);

		return g << 16 | g << 8 | g;
	}
	i -= 16;
	return lvl[i / 36] << 16 | lvl[i / 6 % 6] << 8 | lvl[i % 6];
}

static long dist(uint32_t a, uint32_t b)
{
	long dr = (long)(a >> 16 & 0xff) - (long)(b >> 16 & 0xff);
	long dg = (long)(a >> 8 & 0xff) - (long)(b >> 8 & 0xff);
	long db = (long)(a & 0xff) - (long)(b & 0xff);

	/* weighted for the eye (a cheap "redmean" approximation) */
	return 2 * dr * dr + 4 * dg * dg + 3 * db * db;
}

static int nearest(uint32_t rgb, unsigned from, unsigned to)
{
	int best = (int)from;
	long bd = -1;

	for (unsigned i = from; i < to; i++) {
		long d = dist(rgb, index_rgb(i));

		if (bd < 0 || d < bd)
			bd = d, best = (int)i;
	}
	return best;
}

int dt_colour_resolve(struct dt_colour c, enum dt_depth depth)
{
	uint32_t rgb;

	if (c.kind == DT_COLOUR_DEFAULT || depth == DT_DEPTH_NONE)
		return -1;
	if (c.kind == DT_COLOUR_INDEX) {
		if (depth == DT_DEPTH_DIRECT && c.v >= 8)
			return (int)index_rgb(c.v) < 8 ? 8 : (int)index_rgb(c.v);
		if (depth == DT_DEPTH_DIRECT || depth == DT_DEPTH_256 ||
		    (depth == DT_DEPTH_16 && c.v < 16) || c.v < 8)
			return (int)c.v;
		if (depth == DT_DEPTH_8 && c.v < 16)
			return (int)c.v - 8;
		rgb = index_rgb(c.v);
	} else {
		rgb = c.v;
		if (depth == DT_DEPTH_DIRECT)
			return rgb < 8 ? 8 : (int)rgb; /* below 8 ncurses means the palette */
		if (depth == DT_DEPTH_256)
			return nearest(rgb, 16, 256);
	}
	return nearest(rgb, 0, depth == DT_DEPTH_16 ? 16 : 8);
}

/* ---- curses ---- */

static int attrs[DT_E_COUNT];
static enum dt_depth depth;
static char current[64] = "dark";

static int curses_attrs(unsigned a)
{
	int r = A_NORMAL;

	if (a & DT_A_BOLD)
		r |= A_BOLD;
	if (a & DT_A_DIM)
		r |= A_DIM;
	if (a & DT_A_UNDERLINE)
		r |= A_UNDERLINE;
	if (a & DT_A_REVERSE)
		r |= A_REVERSE;
	if (a & DT_A_ITALIC)
		r |= A_ITALIC;
	if (a & DT_A_STANDOUT)
		r |= A_STANDOUT;
	return r;
}

/* After start_color(): COLORS is known only then. */
static enum dt_depth terminal_depth(int use_colour)
{
	if (!use_colour || !has_colors())
		return DT_DEPTH_NONE;
	if (COLORS >= 0x1000000 || tigetflag("RGB") > 0)
		return DT_DEPTH_DIRECT;
	if (COLORS >= 256)
		return DT_DEPTH_256;
	return COLORS >= 16 ? DT_DEPTH_16 : DT_DEPTH_8;
}

void dt_theme_apply(const struct dt_theme *t, int use_colour)
{
	struct dt_theme dark;
	static int started;

	if (!t) {
		dt_theme_builtin(&dark);
		t = &dark;
	}
	if (use_colour && has_colors() && !started) {
		start_color();
		use_default_colors();
		started = 1;
	}
	depth = terminal_depth(use_colour);
	snprintf(current, sizeof(current), "%s", depth == DT_DEPTH_NONE ? "mono" : t->name);
	for (int e = 0; e < DT_E_COUNT; e++) {
		unsigned mono;

		if (depth == DT_DEPTH_NONE) {
			dt_attrs_parse(defs[e].mono, &mono);
			attrs[e] = curses_attrs(mono);
			continue;
		}
		init_extended_pair(e + 1, dt_colour_resolve(t->e[e].fg, depth),
				   dt_colour_resolve(t->e[e].bg, depth));
		attrs[e] = (int)COLOR_PAIR(e + 1) | curses_attrs(t->e[e].attrs);
	}
}

void dt_theme_init(int use_colour)
{
	dt_theme_apply(NULL, use_colour);
}

int dt_theme_attr(enum dt_elem e)
{
	return attrs[e];
}

enum dt_depth dt_theme_depth(void)
{
	return depth;
}

const char *dt_theme_current(void)
{
	return current;
}
