/*
 * The hunk engine: one file's patch as git's add-patch.c models it.
 *
 * A dt_fpatch owns one buffer, `plain`, holding the file's unified diff text
 * ("diff --git ..." through its last line).  Every hunk is a byte range of
 * that buffer plus a parsed header and a decision.  Splitting rewrites the
 * hunk array; editing (and line mode) appends the new hunk text to `plain`
 * and points the hunk at it, so ranges never move.  Reassembly renders the
 * chosen hunks with shifted headers into a patch that `git apply` (or
 * libgit2's git_apply) takes, merging the overlapping hunks that a split
 * left behind — byte for byte the patch `git add -p` would build.
 *
 * Pure data: no libgit2, no I/O.  Not thread-safe; one owner.
 */
#ifndef DUOTERM_GIT_HUNK_H
#define DUOTERM_GIT_HUNK_H

#include <stddef.h>

#include "duoterm/core/strbuf.h"

enum dt_hunk_use { DT_HUNK_UNDECIDED = 0, DT_HUNK_SKIP, DT_HUNK_USE };

struct dt_hunk {
	size_t start, end;     /* body (after the @@ line) in fp->plain */
	size_t splittable;     /* how many hunks `s` makes of it */
	long delta;            /* (new - old) line count change from edits */
	enum dt_hunk_use use;
	unsigned long old_off, old_cnt, new_off, new_cnt;
	size_t extra_start, extra_end; /* text after " @@" incl. newline */
	unsigned edited : 1;
};

struct dt_fpatch {
	struct dt_sb plain;
	struct dt_hunk head;   /* the "diff --git" header lines */
	struct dt_hunk *hunk;  /* hunk[0] is the mode change if mode_change */
	size_t nr, alloc;
	unsigned deleted : 1, added : 1, mode_change : 1, binary : 1;
};

#define DT_FPATCH_INIT {0}

/* Parses one file's diff (as `git diff` prints it, starting "diff ").
 * Takes a copy of the text.  0, or -1 with the reason in err. */
int dt_fpatch_parse(struct dt_fpatch *fp, const char *text, size_t len, struct dt_sb *err);
void dt_fpatch_release(struct dt_fpatch *fp);

/* Splits hunk i as `s` does; returns how many hunks it became (1 = could
 * not be split).  New hunks inherit the decision. */
size_t dt_fpatch_split(struct dt_fpatch *fp, size_t i);

/* Replaces hunk i by edited text (what the user saved from $EDITOR: lines
 * starting with '#' are dropped, an "@@" header is optional).  Returns 1 if
 * edited (hunk recounted; *backup holds the previous hunk and *plain_len the
 * buffer length for dt_fpatch_unedit), 0 if the text was empty (abandoned,
 * nothing changed), -1 on a bad header (err says why). */
int dt_fpatch_edit(struct dt_fpatch *fp, size_t i, const char *text, size_t len,
		   struct dt_hunk *backup, size_t *plain_len, struct dt_sb *err);
void dt_fpatch_unedit(struct dt_fpatch *fp, size_t i, const struct dt_hunk *backup,
		      size_t plain_len);

/* Line mode: keep only body lines [first, last] of hunk i (0-based; a '\'
 * line counts and follows the line before it), or all but those if invert.
 * Unselected lines are neutralised as git's edit mode says: staging drops
 * an unselected '+' and turns '-' into context; reverse modes (unstage,
 * discard) do the opposite.  Appends the edit text for dt_fpatch_edit (the
 * caller validates) to out. */
void dt_fpatch_line_text(const struct dt_fpatch *fp, size_t i, size_t first, size_t last,
			 int invert, int reverse, struct dt_sb *out);

/* Renders hunk i (header with offsets as parsed, then body) into out. */
void dt_fpatch_render_hunk(const struct dt_fpatch *fp, size_t i, struct dt_sb *out);

/* Reassembles the patch from the hunks marked USE (all if use_all) with
 * shifted headers.  reverse: offsets shift on the old side (the patch will
 * be applied with -R).  0, or -1 if edited hunks cannot be merged. */
int dt_fpatch_reassemble(struct dt_fpatch *fp, int use_all, int reverse, struct dt_sb *out,
			 struct dt_sb *err);

/* Does any hunk (or the header pseudo-hunk of a hunkless file) say USE? */
int dt_fpatch_any_used(const struct dt_fpatch *fp);

/* Reverses a patch text (what `git apply -R` does to its input): swaps -/+,
 * the header ranges, old/new mode, new/deleted file and the index ids.
 * Same-path patches only (no renames). */
void dt_patch_reverse(const char *in, size_t len, struct dt_sb *out);

/* ---- reading lines for display ---- */
struct dt_diff_line {
	char origin;             /* ' ' '-' '+' or '\\' */
	const char *text;        /* after the origin, without the newline */
	size_t len;
	unsigned long old_no, new_no; /* 0 where the side has no line */
};

struct dt_line_iter {
	size_t pos, end;
	unsigned long old_no, new_no;
};

void dt_hunk_lines(const struct dt_fpatch *fp, size_t i, struct dt_line_iter *it);
/* 1 and a line, or 0 at the end. */
int dt_hunk_next_line(const struct dt_fpatch *fp, struct dt_line_iter *it,
		      struct dt_diff_line *out);
/* Counts of '+' and '-' lines over all hunks. */
void dt_fpatch_counts(const struct dt_fpatch *fp, size_t *adds, size_t *dels);

/* Intra-line change: the byte ranges of a and b that differ once the common
 * prefix and suffix (cut at word boundaries, never inside a UTF-8
 * character) are taken away.  For highlighting a '-' line paired with '+'. */
struct dt_range {
	size_t start, end;
};
void dt_intraline(const char *a, size_t alen, const char *b, size_t blen, struct dt_range *ra,
		  struct dt_range *rb);

/* Word diff of a '-' line a against its '+' line b, as `git diff
 * --word-diff` sees words: tokens are runs of word characters (letters,
 * digits, '_', any non-ASCII letter), runs of blanks, and single
 * punctuation characters (ASCII, or Unicode punctuation and symbols); a
 * CJK character is a token of its own; no token ever cuts a UTF-8
 * character.  The tokens not in the longest common subsequence are the
 * changed parts, merged into ranges (changed tokens separated only by
 * blanks make one range).  Lines with nothing but blanks in common get no
 * ranges (they are simply different lines, as diff-highlight treats them).
 * Long lines (more than DT_WORDDIFF_MAX_TOKENS tokens between the common
 * prefix and suffix, or a table over DT_WORDDIFF_MAX_CELLS) fall back to
 * dt_intraline's one range each.  More than DT_WORDDIFF_MAX_RANGES ranges:
 * the last one stretches to cover the rest. */
#define DT_WORDDIFF_MAX_RANGES 16
#define DT_WORDDIFF_MAX_TOKENS 512
#define DT_WORDDIFF_MAX_CELLS 65536
struct dt_worddiff {
	struct dt_range a[DT_WORDDIFF_MAX_RANGES], b[DT_WORDDIFF_MAX_RANGES];
	size_t na, nb;
	size_t common;    /* bytes of a in common tokens, blanks not counted */
	unsigned words : 1; /* 1: a word diff; 0: the prefix/suffix fallback */
};
void dt_worddiff(const char *a, size_t alen, const char *b, size_t blen, struct dt_worddiff *out);

#endif
