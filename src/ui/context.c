#include "duoterm/ui/context.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "duoterm/core/strbuf.h"
#include "duoterm/git/repo.h"
#include "duoterm/gitlab/remote.h"

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

static char *fmt(const char *f, ...)
{
	struct dt_sb sb = DT_SB_INIT;
	va_list ap;

	va_start(ap, f);
	dt_sb_vaddf(&sb, f, ap);
	va_end(ap);
	return dt_sb_detach(&sb, NULL);
}

void dt_context_detect(struct dt_context *ctx, const struct dt_config *cfg)
{
	struct dt_sb err = DT_SB_INIT;
	struct dt_remote r;
	char *url = NULL;

	*ctx = (struct dt_context){0};
	if (dt_repo_open(&ctx->repo, ".", &err) == 0) {
		ctx->branch = dt_repo_branch(ctx->repo);
		url = dt_repo_remote_url(ctx->repo, "origin");
	}
	if (cfg->project && *cfg->project) {
		ctx->project = dt_xstrdup(cfg->project);
	} else if (!ctx->repo) {
		ctx->no_project = dt_xstrdup("Not in a git repository, so no GitLab project.\n"
					     "Start duoterm in a clone, or use --project PATH.");
	} else if (!url) {
		ctx->no_project = dt_xstrdup("This repository has no 'origin' remote.\n"
					     "Add one, or use --project PATH.");
	} else if (dt_remote_parse(&r, url, cfg->instance_url)) {
		ctx->no_project = fmt("origin (%s) is not a GitLab project URL.\n"
				      "Use --project PATH.", url);
	} else {
		if (dt_remote_matches_instance(&r, cfg->instance_url))
			ctx->project = dt_xstrdup(r.path);
		else
			ctx->no_project = fmt("origin is on %s, not on %s.\nSet GITLAB_INSTANCE_URL, "
					      "or use --project PATH.", r.host, cfg->instance_url);
		dt_remote_release(&r);
	}
	if (ctx->project)
		ctx->project_id = dt_project_id_escape(ctx->project);
	if (!cfg->token)
		ctx->no_gitlab = dt_xstrdup("Not signed in to GitLab.\nSet GITLAB_TOKEN, or put a "
					    "token in the credentials file.");
	else if (!ctx->project)
		ctx->no_gitlab = dt_xstrdup(ctx->no_project);
	free(url);
	dt_sb_release(&err);
}

void dt_context_release(struct dt_context *ctx)
{
	dt_repo_free(ctx->repo);
	free(ctx->branch);
	free(ctx->project);
	free(ctx->project_id);
	free(ctx->no_project);
	free(ctx->no_gitlab);
	*ctx = (struct dt_context){0};
}
