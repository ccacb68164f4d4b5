/*
 * dt-proposals: decide an agent session's proposals hunk by hunk, as the
 * Review pane does, for headless tests (`duoterm run` has no per-hunk UI).
 * Built by tests/integration/agent-*.sh against build/libduoterm.a.
 *
 *   dt-proposals WORKDIR STORE list
 *       one line per proposal: "PATH<TAB>HUNKS", then each hunk as rendered
 *       (lines prefixed by two spaces)
 *   dt-proposals WORKDIR STORE decide PATH=D[,D...] ...
 *       D is a (accept), r (reject) or u (leave undecided), one per hunk in
 *       the order of `list`; each file's decisions land with
 *       dt_proposal_apply (accepted hunks written, rejected ones dropped)
 *
 * STORE is the session's proposal directory
 * ($XDG_STATE_HOME/duoterm/sessions/<id>/proposals).  Exit status: 0, 1 on
 * an error (a message on stderr), 2 on a bad command line, 3 when a
 * proposal was stale (nothing written).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duoterm/core/strbuf.h"
#include "duoterm/git/hunk.h"
#include "duoterm/git/proposal.h"

static int diff_of(struct dt_proposal_store *s, size_t i, struct dt_fpatch *fp, struct dt_sb *err)
{
	struct dt_sb text = DT_SB_INIT;
	int rc = dt_proposal_diff(s, i, &text, err);

	if (!rc && !text.len) {
		dt_sb_adds(err, "the proposal does not change the file");
		rc = -1;
	}
	if (!rc)
		rc = dt_fpatch_parse(fp, text.buf, text.len, err);
	dt_sb_release(&text);
	return rc;
}

static int list(struct dt_proposal_store *s)
{
	struct dt_sb err = DT_SB_INIT, h = DT_SB_INIT;

	for (size_t i = 0; i < dt_proposal_nr(s); i++) {
		const struct dt_proposal *p = dt_proposal_at(s, i);
		struct dt_fpatch fp = DT_FPATCH_INIT;

		if (diff_of(s, i, &fp, &err)) {
			fprintf(stderr, "dt-proposals: %s: %s\n", p->path, err.buf ? err.buf : "?");
			dt_sb_release(&err);
			return 1;
		}
		printf("%s\t%zu\n", p->path, fp.nr - fp.mode_change);
		for (size_t k = fp.mode_change; k < fp.nr; k++) {
			const char *l, *nl;

			dt_sb_reset(&h);
			dt_fpatch_render_hunk(&fp, k, &h);
			for (l = h.buf; l && *l; l = nl ? nl + 1 : NULL) {
				nl = strchr(l, '\n');
				printf("  %.*s\n", nl ? (int)(nl - l) : (int)strlen(l), l);
				if (nl && !nl[1])
					break;
			}
		}
		dt_fpatch_release(&fp);
	}
	dt_sb_release(&h);
	return 0;
}

static int decide(struct dt_proposal_store *s, const char *spec)
{
	const char *eq = strrchr(spec, '=');
	struct dt_sb err = DT_SB_INIT;
	struct dt_fpatch fp = DT_FPATCH_INIT;
	char *path;
	long i;
	size_t k, n = 0;
	int rc = 1;

	if (!eq || eq == spec) {
		fprintf(stderr, "dt-proposals: want PATH=a,r,...: %s\n", spec);
		return 2;
	}
	path = dt_xstrndup(spec, (size_t)(eq - spec));
	i = dt_proposal_find(s, path);
	if (i < 0) {
		fprintf(stderr, "dt-proposals: no proposal for %s\n", path);
		goto done;
	}
	if (diff_of(s, (size_t)i, &fp, &err)) {
		fprintf(stderr, "dt-proposals: %s: %s\n", path, err.buf ? err.buf : "?");
		goto done;
	}
	k = fp.mode_change;
	for (const char *d = eq + 1; *d; d++) {
		enum dt_hunk_use use;

		if (*d == ',')
			continue;
		use = *d == 'a' ? DT_HUNK_USE : *d == 'r' ? DT_HUNK_SKIP : DT_HUNK_UNDECIDED;
		if (!strchr("aru", *d) || k >= fp.nr) {
			fprintf(stderr, "dt-proposals: %s: bad decision list \"%s\" for %zu hunk(s)\n",
				path, eq + 1, fp.nr - fp.mode_change);
			rc = 2;
			goto done;
		}
		fp.hunk[k++].use = use;
		n++;
	}
	if (k != fp.nr) {
		fprintf(stderr, "dt-proposals: %s has %zu hunk(s), %zu decision(s) given\n", path,
			fp.nr - fp.mode_change, n);
		rc = 2;
		goto done;
	}
	if (fp.mode_change || !fp.nr) /* a new or deleted file: the header follows the hunks */
		fp.head.use = dt_fpatch_any_used(&fp) ? DT_HUNK_USE : DT_HUNK_SKIP;
	rc = dt_proposal_apply(s, (size_t)i, &fp, &err);
	if (rc == DT_PROPOSAL_STALE)
		fprintf(stderr, "dt-proposals: %s is stale (the file changed)\n", path);
	else if (rc)
		fprintf(stderr, "dt-proposals: %s: %s\n", path, err.buf ? err.buf : "?");
	rc = rc == DT_PROPOSAL_STALE ? 3 : rc ? 1 : 0;
done:
	dt_fpatch_release(&fp);
	dt_sb_release(&err);
	free(path);
	return rc;
}

int main(int argc, char **argv)
{
	struct dt_proposal_store *s;
	struct dt_sb err = DT_SB_INIT;
	int rc = 0;

	if (argc < 4 || (strcmp(argv[3], "list") && strcmp(argv[3], "decide"))) {
		fprintf(stderr, "usage: dt-proposals WORKDIR STORE list | decide PATH=a,r,... ...\n");
		return 2;
	}
	if (dt_proposal_store_open(&s, argv[1], argv[2], NULL, &err)) {
		fprintf(stderr, "dt-proposals: %s\n", err.buf ? err.buf : "cannot open the store");
		dt_sb_release(&err);
		return 1;
	}
	if (!strcmp(argv[3], "list"))
		rc = list(s);
	for (int a = 4; !rc && a < argc; a++)
		rc = decide(s, argv[a]);
	dt_proposal_store_free(s);
	return rc;
}
