/*
 * Equivalence corpus: the same answers given to `git add -p` / `git reset -p`
 * / `git checkout -p` (scripted on stdin) and to the review engine (in a twin
 * repository) must give the same index tree id (and, for discards, the same
 * working tree).  Cases are generated from fixed seeds: renames, mode
 * changes, CRLF, no newline at end of file, empty files, UTF-8, tabs, very
 * long lines, a file with thousands of hunks, adjacent and overlapping
 * hunks, splits, edits, new and deleted files.
 *
 * Runs git with a private HOME, GIT_CONFIG_NOSYSTEM and -c identity, in
 * scratch directories under /tmp that are removed afterwards.
 * DT_EQUIV_KEEP=1 keeps the scratch directory of a failing case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "duoterm/core/config.h"
#include "duoterm/core/proc.h"
#include "duoterm/core/strbuf.h"
#include "duoterm/git/diff.h"
#include "duoterm/git/repo.h"
#include "duoterm/git/review.h"

#define GIT "git -c user.name=t -c user.email=t@example.invalid -c core.autocrlf=false " \
	    "-c interactive.singleKey=false -c color.ui=false"

static char root[64];
static unsigned changed; /* cases where the answers changed something */
static unsigned long rng;

static unsigned rnd(unsigned n)
{
	rng = rng * 6364136223846793005ul + 1442695040888963407ul;
	return (unsigned)((rng >> 33) % (n ? n : 1));
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	struct dt_sb cmd = DT_SB_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	dt_sb_vaddf(&cmd, fmt, ap);
	va_end(ap);
	rc = system(cmd.buf);
	dt_sb_release(&cmd);
	return rc;
}

static char *capture(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *capture(const char *fmt, ...)
{
	struct dt_sb cmd = DT_SB_INIT;
	char buf[256] = "";
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	dt_sb_vaddf(&cmd, fmt, ap);
	va_end(ap);
	f = popen(cmd.buf, "r");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		pclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
	dt_sb_release(&cmd);
	return dt_xstrdup(buf);
}

static void write_file(const char *dir, const char *name, const char *data, size_t len)
{
	struct dt_sb p = DT_SB_INIT;
	char *slash;

	dt_sb_addf(&p, "%s/%s", dir, name);
	slash = strrchr(p.buf, '/');
	*slash = '\0';
	dt_mkdir_p(p.buf, 0755);
	*slash = '/';
	assert_int_equal(dt_write_file_atomic(p.buf, data, len, 0644), 0);
	dt_sb_release(&p);
}

/* ---- content generation ---- */

enum flavour { F_PLAIN, F_CRLF, F_NOEOL, F_UTF8, F_TABS, F_LONG, F_EMPTY, F_NR };

static void gen_line(struct dt_sb *sb, enum flavour fl, unsigned k)
{
	static const char *const words[] = { "alpha", "beta", "gamma", "delta", "{", "}", "",
					     "return x;", "i++;" };

	switch (fl) {
	case F_UTF8:
		dt_sb_addf(sb, "straße %u — ünïcødé ✓ %s", k, words[k % 9]);
		break;
	case F_TABS:
		dt_sb_addf(sb, "\t\tif (x == %u)\t%s", k, words[k % 9]);
		break;
	case F_LONG:
		for (unsigned i = 0; i < 300 + k % 50; i++)
			dt_sb_addc(sb, (char)('a' + (k + i) % 26));
		break;
	default:
		dt_sb_addf(sb, "%s %u", words[k % 9], k % 7);
		break;
	}
	dt_sb_adds(sb, fl == F_CRLF ? "\r\n" : "\n");
}

static void gen_text(struct dt_sb *sb, enum flavour fl, unsigned nlines, unsigned seed)
{
	if (fl == F_EMPTY)
		return;
	for (unsigned i = 0; i < nlines; i++)
		gen_line(sb, fl, seed + i);
	if (fl == F_NOEOL && sb->len)
		dt_sb_truncate(sb, sb->len - 1);
}

/* Edits text: a few clusters of replaced, inserted and deleted lines. */
static void mutate(const struct dt_sb *in, struct dt_sb *out, enum flavour fl)
{
	unsigned nl = 0, i = 0, clusters = 1 + rnd(4);
	size_t p = 0;
	unsigned char *what;

	for (size_t k = 0; k < in->len; k++)
		nl += in->buf[k] == '\n';
	nl += in->len && in->buf[in->len - 1] != '\n';
	what = dt_xcalloc(nl + 1, 1);
	for (unsigned c = 0; c < clusters; c++) {
		unsigned at = rnd(nl + 1), span = 1 + rnd(4);

		for (unsigned k = at; k < at + span && k <= nl; k++)
			what[k] = 1 + rnd(3); /* 1 replace 2 insert-before 3 delete */
	}
	while (p < in->len || i <= nl) {
		const char *eol = p < in->len ? memchr(in->buf + p, '\n', in->len - p) : NULL;
		size_t e = eol ? (size_t)(eol - in->buf) + 1 : in->len;

		if (what[i] == 2 || (i == nl && what[i]))
			gen_line(out, fl, 1000 + rnd(50));
		if (p < in->len) {
			if (what[i] == 1)
				gen_line(out, fl, 500 + rnd(50));
			else if (what[i] != 3)
				dt_sb_add(out, in->buf + p, e - p);
		}
		p = e;
		if (++i > nl)
			break;
	}
	if (fl == F_NOEOL && out->len && out->buf[out->len - 1] == '\n' && rnd(2))
		dt_sb_truncate(out, out->len - (out->len > 1 && out->buf[out->len - 2] == '\r' ? 2 : 1));
	free(what);
}

/* ---- one case ---- */

enum mode { M_ADD, M_RESET, M_CHECKOUT };

struct gcase {
	enum mode mode;
	unsigned seed;
	int many_hunks, edit;
};

static void make_base(const char *a, unsigned nfiles, struct dt_sb *texts, enum flavour *fl)
{
	for (unsigned f = 0; f < nfiles; f++) {
		char name[64];

		fl[f] = (enum flavour)rnd(F_NR);
		snprintf(name, sizeof(name), "%sf%u.txt", f % 3 == 2 ? "dir/" : "", f);
		gen_text(&texts[f], fl[f], 5 + rnd(60), rnd(100));
		write_file(a, name, texts[f].buf, texts[f].len);
	}
	assert_int_equal(sh("cd %s && " GIT " add -A && " GIT " commit -qm base", a), 0);
}

static void change_file(const char *a, unsigned f, const struct dt_sb *text, enum flavour fl,
			int staged_round)
{
	char name[64];
	unsigned what = rnd(20);
	struct dt_sb out = DT_SB_INIT;

	snprintf(name, sizeof(name), "%sf%u.txt", f % 3 == 2 ? "dir/" : "", f);
	if (what == 0) {
		sh("cd %s && rm -f %s", a, name);
	} else if (what == 1) {
		sh("cd %s && chmod +x %s", a, name);
	} else if (what == 2) {
		mutate(text, &out, fl);
		write_file(a, name, out.buf, out.len);
		sh("cd %s && chmod +x %s", a, name);
	} else if (what == 3 && staged_round) {
		sh("cd %s && " GIT " mv %s %s.moved", a, name, name);
	} else if (what == 4 && staged_round) {
		mutate(text, &out, fl);
		write_file(a, "new.txt", out.buf, out.len);
	} else if (what == 5 && staged_round) {
		write_file(a, "empty-new.txt", "", 0);
	} else if (what == 6) {
		/* unchanged */
	} else {
		mutate(text, &out, fl);
		write_file(a, name, out.buf, out.len);
	}
	dt_sb_release(&out);
}

static void make_many_hunks(const char *a)
{
	struct dt_sb t = DT_SB_INIT, u = DT_SB_INIT;

	for (unsigned i = 0; i < 16000; i++)
		dt_sb_addf(&t, "line %u\n", i);
	write_file(a, "big.txt", t.buf, t.len);
	assert_int_equal(sh("cd %s && " GIT " add -A && " GIT " commit -qm big", a), 0);
	for (unsigned i = 0; i < 16000; i++)
		dt_sb_addf(&u, i % 8 == 3 ? "changed %u\n" : "line %u\n", i);
	write_file(a, "big.txt", u.buf, u.len);
	dt_sb_release(&t);
	dt_sb_release(&u);
}

static void gen_answers(struct dt_sb *ans, unsigned n, int many)
{
	static const char keys[] = "yyyynnnsssadjkJKq?";

	for (unsigned i = 0; i < n; i++) {
		char k = many ? "yns"[i % 3] : keys[rnd(sizeof(keys) - 2)];

		if (k == 'q' && rnd(4))
			k = 'y';
		dt_sb_addf(ans, "%c\n", k);
	}
}

/* Drives the engine with the answers, one line each, as git reads them. */
static void run_engine(const char *b, enum mode mode, const char *answers, const char *edit)
{
	struct dt_repo *repo = NULL;
	struct dt_review *r = NULL;
	struct dt_sb err = DT_SB_INIT;
	const char *p = answers;
	enum dt_review_mode m = mode == M_ADD ? DT_REVIEW_STAGE :
				mode == M_RESET ? DT_REVIEW_UNSTAGE : DT_REVIEW_DISCARD;
	size_t f, h;

	assert_int_equal(dt_repo_open(&repo, b, &err), 0);
	assert_int_equal(dt_review_open(&r, repo, m, NULL, &err), 0);
	while (!dt_review_cursor(r, &f, &h)) {
		const char *nl = strchr(p, '\n');

		if (!nl) {
			dt_review_key(r, 'q', &err);
			break;
		}
		if (*p == 'e' && edit)
			dt_review_edit(r, edit, strlen(edit), &err);
		else if (p != nl)
			dt_review_key(r, (unsigned char)*p, &err);
		dt_sb_reset(&err);
		p = nl + 1;
	}
	dt_review_free(r);
	dt_repo_free(repo);
	dt_sb_release(&err);
}

static const char *const git_cmd[] = { "add -p", "reset -p", "checkout -p" };

static int compare(const char *a, const char *b, const struct gcase *c, const char *ans)
{
	int same;

	char *ta = capture("cd %s && " GIT " write-tree", a);
	char *tb = capture("cd %s && " GIT " write-tree", b);
	char *wa = NULL, *wb = NULL;

	if (c->mode == M_CHECKOUT) {
		wa = capture("cd %s && GIT_INDEX_FILE=.git/w " GIT " add -A && GIT_INDEX_FILE=.git/w "
			     GIT " write-tree", a);
		wb = capture("cd %s && GIT_INDEX_FILE=.git/w " GIT " add -A && GIT_INDEX_FILE=.git/w "
			     GIT " write-tree", b);
	}
	if (strcmp(ta, tb) || (wa && strcmp(wa, wb))) {
		fprintf(stderr, "case %s seed %u: git %s vs engine %s (tree %s vs %s)\nanswers: %s\n",
			git_cmd[c->mode], c->seed, ta, tb, wa ? wa : "-", wb ? wb : "-", ans);
		if (getenv("DT_EQUIV_KEEP"))
			sh("cp -a %s %s-keep-%u", root, root, c->seed);
	}
	same = !strcmp(ta, tb) && (!wa || !strcmp(wa, wb));
	free(ta);
	free(tb);
	free(wa);
	free(wb);
	return same;
}

/* A valid edit of the first hunk: of the lines the user may delete ('+'
 * when staging, '-' in the reverse modes) only the first is kept. */
static char *edit_text(const char *a, enum mode mode)
{
	struct dt_sb out = DT_SB_INIT, p = DT_SB_INIT;
	char drop = mode == M_ADD ? '+' : '-', *diff, *line, *at;
	int seen = 0;

	sh("cd %s && " GIT " %s > %s/edit.diff 2>/dev/null", a,
	   mode == M_RESET ? "diff-index -p --cached HEAD" : "diff-files -p", root);
	dt_sb_addf(&p, "%s/edit.diff", root);
	diff = dt_read_file(p.buf, NULL);
	dt_sb_release(&p);
	at = diff ? strstr(diff, "\n@@ ") : NULL;
	line = at ? strchr(at + 1, '\n') : NULL;
	while (line && line[1] && line[1] != '@' && strncmp(line + 1, "diff ", 5)) {
		char *nl = strchr(line + 1, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line + 1);

		if (line[1] != drop || !seen++)
			dt_sb_add(&out, line + 1, n);
		line = nl;
	}
	free(diff);
	return dt_sb_detach(&out, NULL);
}

/* The index tree and the working tree changes, as one line. */
#define STATE_CMD "cd %s && echo $(" GIT " write-tree)$(" GIT " diff-files -p | git hash-object --stdin)"

static int run_case(const struct gcase *c)
{
	char *state_before, *state_after;
	int same;

	struct dt_sb a = DT_SB_INIT, b = DT_SB_INIT, ans = DT_SB_INIT, texts[8] = { DT_SB_INIT };
	enum flavour fl[8];
	unsigned nfiles = 1 + (c->seed % 7);
	char *edit = NULL;

	rng = c->seed * 2654435761u + 17;
	dt_sb_addf(&a, "%s/a", root);
	dt_sb_addf(&b, "%s/b", root);
	sh("rm -rf %s %s && mkdir -p %s && cd %s && " GIT " init -q -b main", a.buf, b.buf, a.buf,
	   a.buf);
	make_base(a.buf, nfiles, texts, fl);
	if (c->many_hunks)
		make_many_hunks(a.buf);
	for (unsigned f = 0; f < nfiles; f++)
		change_file(a.buf, f, &texts[f], fl[f], c->mode == M_RESET);
	if (c->mode == M_RESET)
		assert_int_equal(sh("cd %s && " GIT " add -A", a.buf), 0);
	gen_answers(&ans, c->many_hunks ? 2200 : 6 + rnd(30), c->many_hunks);
	if (c->edit) {
		edit = edit_text(a.buf, c->mode);
		dt_sb_reset(&ans);
		dt_sb_adds(&ans, "e\ny\nn\ny\n");
		sh("printf '%%s' '' > %s/editor.txt", root);
		write_file(root, "editor.txt", edit ? edit : "", edit ? strlen(edit) : 0);
	}
	write_file(root, "answers", ans.buf, ans.len);
	sh("cp -a %s %s", a.buf, b.buf);
	if (getenv("DT_EQUIV_KEEP"))
		sh("rm -rf %s/pre && cp -a %s %s/pre", root, a.buf, root);
	sh("cd %s && GIT_EDITOR='cp %s/editor.txt' " GIT " %s < %s/answers >/dev/null 2>&1", a.buf,
	   root, git_cmd[c->mode], root);
	state_before = capture(STATE_CMD, b.buf);
	run_engine(b.buf, c->mode, ans.buf, edit);
	state_after = capture(STATE_CMD, b.buf);
	changed += strcmp(state_before, state_after) != 0;
	free(state_before);
	free(state_after);
	same = compare(a.buf, b.buf, c, c->many_hunks ? "(many)" : ans.buf);
	for (unsigned f = 0; f < 8; f++)
		dt_sb_release(&texts[f]);
	free(edit);
	dt_sb_release(&a);
	dt_sb_release(&b);
	dt_sb_release(&ans);
	return same;
}

#define NSEEDS 40

static void corpus(void **state, enum mode mode)
{
	unsigned bad = 0;

	(void)state;
	for (unsigned s = 1; s <= NSEEDS; s++) {
		struct gcase c = { mode, s + 100 * mode, 0, 0 };

		bad += !run_case(&c);
	}
	assert_int_equal(bad, 0);
}

static void corpus_changes_things(void **state)
{
	(void)state;
	printf("%u cases changed the index or tree\n", changed);
	assert_true(changed >= 60);
}

static void add_p(void **state)
{
	corpus(state, M_ADD);
}

static void reset_p(void **state)
{
	corpus(state, M_RESET);
}

static void checkout_p(void **state)
{
	corpus(state, M_CHECKOUT);
}

static void edits(void **state)
{
	unsigned bad = 0;

	(void)state;
	for (unsigned s = 1; s <= 6; s++) {
		struct gcase c = { (enum mode)(s % 3), 900 + s, 0, 1 };

		bad += !run_case(&c);
	}
	assert_int_equal(bad, 0);
}

static void thousands_of_hunks(void **state)
{
	struct gcase c = { M_ADD, 7, 1, 0 };

	(void)state;
	assert_true(run_case(&c));
	c.mode = M_CHECKOUT;
	assert_true(run_case(&c));
}

/* ---- fixed cases: intent-to-add, renames, type changes ---- */

/* The index and what git status says of it (intent-to-add flags, renames). */
#define INDEX_CMD "cd %s && echo $(" GIT " write-tree 2>/dev/null)$( (" GIT " ls-files -s && " GIT \
		  " ls-files --debug | grep -o 'flags: [0-9a-f]*') | git hash-object --stdin)" \
		  "$(" GIT " status --porcelain | git hash-object --stdin)"

/* A base of three files, then setup (shell, in the repository), then the
 * same answers to git and to the engine.  Returns 1 if both ended alike. */
static int run_fixed(const char *name, const char *setup_cmd, enum mode mode, const char *ans)
{
	struct dt_sb a = DT_SB_INIT, b = DT_SB_INIT;
	char *ia, *ib;
	int same;

	dt_sb_addf(&a, "%s/a", root);
	dt_sb_addf(&b, "%s/b", root);
	sh("rm -rf %s %s && mkdir -p %s && cd %s && " GIT " init -q -b main", a.buf, b.buf, a.buf,
	   a.buf);
	write_file(a.buf, "old.txt", "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\n", 40);
	write_file(a.buf, "keep.txt", "k1\nk2\nk3\n", 9);
	write_file(a.buf, "dir/z.txt", "z\n", 2);
	assert_int_equal(sh("cd %s && " GIT " add -A && " GIT " commit -qm base", a.buf), 0);
	assert_int_equal(sh("cd %s && (%s) >/dev/null 2>&1", a.buf, setup_cmd), 0);
	write_file(root, "answers", ans, strlen(ans));
	sh("cp -a %s %s", a.buf, b.buf);
	sh("cd %s && " GIT " %s < %s/answers >/dev/null 2>&1", a.buf, git_cmd[mode], root);
	run_engine(b.buf, mode, ans, NULL);
	ia = capture(INDEX_CMD, a.buf);
	ib = capture(INDEX_CMD, b.buf);
	same = !strcmp(ia, ib);
	if (!same) {
		fprintf(stderr, "fixed case %s (git %s, answers %s): git %s, engine %s\n", name,
			git_cmd[mode], ans, ia, ib);
		if (getenv("DT_EQUIV_KEEP"))
			sh("cp -a %s %s-keep-%s", root, root, name);
	}
	free(ia);
	free(ib);
	dt_sb_release(&a);
	dt_sb_release(&b);
	return same;
}

#define RENAME_ITA "git mv old.txt new.txt && git reset -q && git add -N new.txt"
#define RENAME_STAGED "git mv old.txt new.txt && printf 'one\\nTWO\\n' >> new.txt && git add -A"

#define TYPECHANGE "rm old.txt && ln -s keep.txt old.txt && echo k4 >> keep.txt"
#define GITC "git -c user.name=t -c user.email=t@example.invalid "
#define CONFLICT "git checkout -qb o && echo A > old.txt && " GITC "commit -qam o && " \
		 "git checkout -q main && echo B > old.txt && " GITC "commit -qam m && " \
		 "(" GITC "merge o; true) && echo k4 >> keep.txt && echo z2 >> dir/z.txt"

#define ITA_EMPTY "touch e.txt && git add -N e.txt && printf 'x\\n' > n.txt && " \
		  "git add -N n.txt && echo k4 >> keep.txt"
#define ZERO_STAT "echo k4 >> keep.txt && sed -i s/eight/EIGHT/ old.txt && git read-tree HEAD"

static const struct fixed {
	const char *name, *setup;
	enum mode mode;
	const char *answers;
} fixed[] = {
	/* git add -N: add -p asks "Stage addition" of the whole file */
	{ "ita-y", "printf 'a\\nb\\n' > n.txt && git add -N n.txt", M_ADD, "y\n" },
	{ "ita-n", "printf 'a\\nb\\n' > n.txt && git add -N n.txt", M_ADD, "n\n" },
	{ "ita-two", "printf 'a\\n' > m.txt && printf 'b\\n' > n.txt && git add -N m.txt n.txt && "
		     "echo k4 >> keep.txt", M_ADD, "n\ny\ny\n" },
	/* an empty file: git add -p still asks "Stage addition" */
	{ "ita-empty-y", ITA_EMPTY, M_ADD, "y\nn\n" },
	{ "ita-empty-n", ITA_EMPTY, M_ADD, "n\ny\n" },
	{ "ita-empty-exec", "touch e.txt && chmod +x e.txt && git add -N e.txt", M_ADD, "y\n" },
	{ "ita-checkout", "printf 'a\\n' > n.txt && git add -N n.txt && echo k4 >> keep.txt",
	  M_CHECKOUT, "y\nn\n" },
	/* git reset -p offers an intent-to-add entry as an empty addition */
	{ "ita-reset-y", "printf 'a\\n' > n.txt && git add -N n.txt && echo k4 >> keep.txt && "
			 "git add keep.txt", M_RESET, "y\ny\n" },
	{ "ita-reset-ny", "printf 'a\\n' > n.txt && git add -N n.txt && echo k4 >> keep.txt && "
			  "git add keep.txt", M_RESET, "n\ny\n" },
	/* a rename the user has not staged: git status shows R (via -N);
	 * add -p asks per path, the addition and the deletion apart */
	{ "rename-ita-yy", RENAME_ITA, M_ADD, "y\ny\n" },
	{ "rename-ita-yn", RENAME_ITA, M_ADD, "y\nn\n" },
	{ "rename-ita-ny", RENAME_ITA, M_ADD, "n\ny\n" },
	/* a staged rename with a change: reset -p asks per path too */
	{ "rename-staged-yy", RENAME_STAGED, M_RESET, "y\ny\n" },
	{ "rename-staged-yn", RENAME_STAGED, M_RESET, "y\nn\n" },
	{ "rename-staged-ny", RENAME_STAGED, M_RESET, "n\ny\n" },
	/* file -> symlink: git asks about the deletion, then the addition */
	{ "typechange-yy", TYPECHANGE, M_ADD, "y\ny\ny\n" },
	{ "typechange-yn", TYPECHANGE, M_ADD, "n\ny\nn\n" },
	{ "typechange-ny", TYPECHANGE, M_ADD, "y\nn\ny\n" },
	{ "typechange-back", "rm old.txt && ln -s keep.txt old.txt && git add old.txt && "
			     "rm old.txt && echo plain > old.txt", M_ADD, "y\ny\n" },
	{ "typechange-staged", TYPECHANGE " && git add -A", M_RESET, "n\ny\ny\n" },
	{ "typechange-checkout", TYPECHANGE, M_CHECKOUT, "y\nn\nn\n" },
	/* an unmerged path is not asked about ("needs merge"); the rest is */
	{ "conflict-add", CONFLICT, M_ADD, "y\nn\n" },
	{ "conflict-add-yy", CONFLICT, M_ADD, "y\ny\n" },
	/* no stat data in the index (read-tree): changes known by size, and
	 * by hashing where the size is the same (eight -> EIGHT) */
	{ "zero-stat-add", ZERO_STAT, M_ADD, "y\nn\n" },
	{ "zero-stat-add-ny", ZERO_STAT, M_ADD, "n\ny\n" },
	{ "zero-stat-checkout", ZERO_STAT, M_CHECKOUT, "n\ny\n" },
	{ "rename-staged-unstage", RENAME_STAGED " && echo k4 >> keep.txt && git add keep.txt",
	  M_RESET, "n\ny\nn\n" },
};

/* What the engine refuses (git would delete the file), saying why and
 * changing nothing: discarding a type change or an intent-to-add file. */
static void refusals(void **state)
{
	static const char *const setups[] = { "rm old.txt && ln -s keep.txt old.txt", "printf 'a\\n' > n.txt && git add -N n.txt" };
	static const char *const paths[] = { "old.txt", "n.txt" };

	(void)state;
	for (size_t c = 0; c < 2; c++) {
		struct dt_repo *repo = NULL;
		struct dt_review *r = NULL;
		struct dt_sb err = DT_SB_INIT, a = DT_SB_INIT;
		char *before, *after;
		size_t f, h;
		int failed = 0;

		dt_sb_addf(&a, "%s/a", root);
		sh("rm -rf %s && mkdir -p %s && cd %s && " GIT " init -q -b main", a.buf, a.buf, a.buf);
		write_file(a.buf, "old.txt", "one\n", 4);
		write_file(a.buf, "keep.txt", "k1\n", 3);
		assert_int_equal(sh("cd %s && " GIT " add -A && " GIT " commit -qm base", a.buf), 0);
		assert_int_equal(sh("cd %s && (%s) >/dev/null 2>&1", a.buf, setups[c]), 0);
		before = capture(STATE_CMD "$(ls -l %s | cut -c1)", a.buf, paths[c]);
		assert_int_equal(dt_repo_open(&repo, a.buf, &err), 0);
		assert_int_equal(dt_review_open(&r, repo, DT_REVIEW_DISCARD, NULL, &err), 0);
		while (!dt_review_cursor(r, &f, &h))
			if (dt_review_key(r, 'y', &err) && strstr(err.buf, paths[c]) &&
			    strstr(err.buf, "not supported"))
				failed = 1;
		dt_review_free(r);
		dt_repo_free(repo);
		after = capture(STATE_CMD "$(ls -l %s | cut -c1)", a.buf, paths[c]);
		assert_true(failed);
		assert_string_equal(before, after);
		free(before);
		free(after);
		dt_sb_release(&err);
		dt_sb_release(&a);
	}
}

static void fixed_cases(void **state)
{
	unsigned bad = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		bad += !run_fixed(fixed[i].name, fixed[i].setup, fixed[i].mode, fixed[i].answers);
	assert_int_equal(bad, 0);
}

/* Another git holds the index: y changes nothing, says why, and the same
 * question is asked again; once the lock is gone, y stages. */
static void index_locked(void **state)
{
	struct dt_sb a = DT_SB_INIT, err = DT_SB_INIT;
	struct dt_repo *repo = NULL;
	struct dt_review *r = NULL;
	char *before, *after;
	size_t f, h;

	(void)state;
	dt_sb_addf(&a, "%s/a", root);
	sh("rm -rf %s && mkdir -p %s && cd %s && " GIT " init -q -b main", a.buf, a.buf, a.buf);
	write_file(a.buf, "keep.txt", "k1\n", 3);
	assert_int_equal(sh("cd %s && " GIT " add -A && " GIT " commit -qm base && "
			    "echo k2 >> keep.txt && touch .git/index.lock", a.buf), 0);
	before = capture(INDEX_CMD, a.buf);
	assert_int_equal(dt_repo_open(&repo, a.buf, &err), 0);
	assert_int_equal(dt_review_open(&r, repo, DT_REVIEW_STAGE, NULL, &err), 0);
	assert_int_equal(dt_review_key(r, 'y', &err), DT_REVIEW_LOCKED);
	assert_non_null(strstr(err.buf, "index is locked"));
	assert_int_equal(dt_review_cursor(r, &f, &h), 0); /* asked again */
	assert_int_equal(f, 0);
	assert_int_equal(h, 0);
	assert_int_equal(dt_review_undo(r, &err), 1); /* nothing to undo */
	after = capture(INDEX_CMD, a.buf);
	assert_string_equal(before, after);
	free(after);
	assert_int_equal(sh("rm %s/.git/index.lock", a.buf), 0);
	dt_sb_reset(&err);
	assert_int_equal(dt_review_key(r, 'y', &err), 0);
	assert_int_equal(dt_review_cursor(r, &f, &h), 1); /* done */
	after = capture("cd %s && git diff --cached --name-only", a.buf);
	assert_string_equal(after, "keep.txt");
	dt_review_free(r);
	dt_repo_free(repo);
	free(before);
	free(after);
	dt_sb_release(&err);
	dt_sb_release(&a);
}

/* Staging intent-to-add files (one empty) and taking it all back leaves
 * the index as git add -N made it: the flags, the empty blobs. */
static void ita_undo(void **state)
{
	struct dt_sb a = DT_SB_INIT, err = DT_SB_INIT;
	struct dt_repo *repo = NULL;
	struct dt_review *r = NULL;
	char *before, *staged, *after;
	size_t f, h;
	int n = 0;

	(void)state;
	dt_sb_addf(&a, "%s/a", root);
	sh("rm -rf %s && mkdir -p %s && cd %s && " GIT " init -q -b main", a.buf, a.buf, a.buf);
	write_file(a.buf, "keep.txt", "k1\n", 3);
	assert_int_equal(sh("cd %s && " GIT " add -A && " GIT " commit -qm base", a.buf), 0);
	assert_int_equal(sh("cd %s && (" ITA_EMPTY ") >/dev/null 2>&1", a.buf), 0);
	before = capture(INDEX_CMD, a.buf);
	assert_int_equal(dt_repo_open(&repo, a.buf, &err), 0);
	assert_int_equal(dt_review_open(&r, repo, DT_REVIEW_STAGE, NULL, &err), 0);
	while (!dt_review_cursor(r, &f, &h) && n++ < 10)
		assert_int_equal(dt_review_key(r, 'y', &err), 0);
	assert_int_equal(n, 3); /* e.txt, keep.txt, n.txt */
	staged = capture(INDEX_CMD, a.buf);
	while (!dt_review_undo(r, &err))
		;
	if (err.len)
		fprintf(stderr, "undo: %s\n", err.buf);
	assert_int_equal(err.len, 0);
	after = capture(INDEX_CMD, a.buf);
	assert_string_not_equal(before, staged);
	assert_string_equal(before, after);
	dt_review_free(r);
	dt_repo_free(repo);
	free(before);
	free(staged);
	free(after);
	dt_sb_release(&err);
	dt_sb_release(&a);
}

/*
 * Index entries without stat data (after git read-tree / git reset): the
 * listing knows a file changed by its size alone, as git does, and only
 * when no filter converts it (CRLF under a text attribute or
 * core.autocrlf, $Id$ under ident).  The list must be git's, the files
 * known by size counted, the user's index left as it was.
 */
static void stat_shortcut(void **state)
{
	struct dt_sb a = DT_SB_INIT, err = DT_SB_INIT, names = DT_SB_INIT;
	struct dt_repo *repo = NULL;
	struct dt_diff *d = NULL;
	char *idx_before, *idx_after, *git_names;

	(void)state;
	dt_sb_addf(&a, "%s/stat", root);
	sh("rm -rf %s && mkdir -p %s && cd %s && git init -q -b main", a.buf, a.buf, a.buf);
	write_file(a.buf, ".gitattributes", "crlf.txt text eol=lf\nid.txt ident\n", 33);
	write_file(a.buf, "same.txt", "same\n", 5);
	write_file(a.buf, "grown.txt", "g\n", 2);
	write_file(a.buf, "samesize.txt", "abc\n", 4);
	write_file(a.buf, "crlf.txt", "a\nb\n", 4);
	write_file(a.buf, "auto.txt", "c\nd\n", 4);
	write_file(a.buf, "id.txt", "x $Id$\n", 7);
	assert_int_equal(sh("cd %s && " GIT " add -A && " GIT " commit -qm base", a.buf), 0);
	/* changed: grown (by size), samesize (same size: hashed); the CRLF
	 * and $Id: files are what git would store unchanged */
	write_file(a.buf, "grown.txt", "g\nh\n", 4);
	write_file(a.buf, "samesize.txt", "abd\n", 4);
	write_file(a.buf, "crlf.txt", "a\r\nb\r\n", 6);
	write_file(a.buf, "auto.txt", "c\r\nd\r\n", 6);
	write_file(a.buf, "id.txt", "x $Id: 0123456789abcdef0123456789abcdef01234567 $\n", 50);
	assert_int_equal(sh("cd %s && git config core.autocrlf true && git read-tree HEAD", a.buf), 0);
	idx_before = capture("cd %s && cat .git/index | git hash-object --stdin", a.buf);
	assert_int_equal(dt_repo_open(&repo, a.buf, &err), 0);
	assert_int_equal(dt_diff_open(&d, repo, DT_DIFF_UNSTAGED, NULL, &err), 0);
	for (size_t i = 0; i < dt_diff_nr(d); i++)
		dt_sb_addf(&names, "%s\n", dt_diff_file(d, i)->path);
	assert_string_equal(names.buf, "grown.txt\nsamesize.txt\n");
	assert_int_equal(dt_diff_by_size(d), 1);
	idx_after = capture("cd %s && cat .git/index | git hash-object --stdin", a.buf);
	git_names = capture("cd %s && git diff --name-only 2>/dev/null | tr '\\n' ' '", a.buf);
	assert_string_equal(idx_before, idx_after);
	assert_string_equal(git_names, "grown.txt samesize.txt ");
	dt_diff_free(d);
	dt_repo_free(repo);
	free(git_names);
	free(idx_before);
	free(idx_after);
	dt_sb_release(&names);
	dt_sb_release(&err);
	dt_sb_release(&a);
}

static int setup(void **state)
{
	char home[96];

	(void)state;
	snprintf(root, sizeof(root), "/tmp/dt-equiv.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	snprintf(home, sizeof(home), "%s/home", root);
	dt_mkdir_p(home, 0700);
	setenv("HOME", home, 1);
	setenv("XDG_CONFIG_HOME", home, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
	unsetenv("GIT_DIR");
	unsetenv("GIT_INDEX_FILE");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return dt_remove_tree(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(add_p),
		cmocka_unit_test(reset_p),
		cmocka_unit_test(checkout_p),
		cmocka_unit_test(edits),
		cmocka_unit_test(thousands_of_hunks),
		cmocka_unit_test(fixed_cases),
		cmocka_unit_test(refusals),
		cmocka_unit_test(stat_shortcut),
		cmocka_unit_test(ita_undo),
		cmocka_unit_test(index_locked),
		cmocka_unit_test(corpus_changes_things),
	};

	if (system("git --version >/dev/null 2>&1")) {
		printf("[  SKIPPED ] 1 test(s), git is not installed\n");
		return 0;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
