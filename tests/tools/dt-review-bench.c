/*
 * dt-review-bench REPO [KEEP]: times the Review model on a repository's
 * unstaged changes — file list, first file's hunks, then every file one by
 * one — and prints the figures with peak RSS.  With KEEP, only the KEEP
 * files behind the one being loaded stay loaded (dt_diff_unload), as the
 * Review pane keeps a window of files around its cursor.  Built by
 * bench/review.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "duoterm/core/strbuf.h"
#include "duoterm/git/diff.h"
#include "duoterm/git/repo.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	struct dt_sb err = DT_SB_INIT;
	struct dt_repo *repo;
	struct dt_diff *d;
	struct rusage ru;
	double t0, t_list, t_first, t_all, worst = 0, rss_first;
	size_t i, lines = 0, hunks = 0, keep = 0;
	int windowed = argc > 2;

	if (argc < 2)
		return 2;
	if (windowed)
		keep = (size_t)strtoul(argv[2], NULL, 10);
	t0 = now_ms();
	if (dt_repo_open(&repo, argv[1], &err) || dt_diff_open(&d, repo, DT_DIFF_UNSTAGED, NULL, &err)) {
		fprintf(stderr, "%s\n", err.buf);
		return 1;
	}
	t_list = now_ms() - t0;
	if (dt_diff_nr(d))
		dt_diff_load(d, 0, &err);
	t_first = now_ms() - t0;
	getrusage(RUSAGE_SELF, &ru);
	rss_first = ru.ru_maxrss / 1024.0;
	for (i = 0; i < dt_diff_nr(d); i++) {
		double s = now_ms();
		struct dt_diff_file *f = dt_diff_file(d, i);

		dt_diff_load(d, i, &err);
		if (now_ms() - s > worst)
			worst = now_ms() - s;
		lines += f->adds + f->dels;
		hunks += f->patch.nr;
		if (windowed && i >= keep)
			dt_diff_unload(d, i - keep);
	}
	t_all = now_ms() - t0;
	getrusage(RUSAGE_SELF, &ru);
	printf("files %zu, hunks %zu, +/- lines %zu; %zu known changed by size (not hashed)\n",
	       dt_diff_nr(d), hunks, lines, dt_diff_by_size(d));
	printf("file list            %8.1f ms\n", t_list);
	printf("file list+first file %8.1f ms\n", t_first);
	printf("every file loaded    %8.1f ms (per file avg %.3f ms, worst %.1f ms)\n", t_all,
	       dt_diff_nr(d) ? (t_all - t_list) / dt_diff_nr(d) : 0.0, worst);
	printf("RSS at first file    %8.1f MB\n", rss_first);
	if (windowed)
		printf("peak RSS, %zu kept   %8.1f MB (the rest unloaded, as the pane does)\n", keep,
		       ru.ru_maxrss / 1024.0);
	else
		printf("peak RSS, all loaded %8.1f MB\n", ru.ru_maxrss / 1024.0);
	dt_diff_free(d);
	dt_repo_free(repo);
	dt_sb_release(&err);
	return 0;
}
