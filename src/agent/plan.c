/* The plan: steps with a status, as update_plan and the Plan pane see it. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "duoterm/agent/engine.h"

static const struct {
	const char *name, *alias;
} status_names[] = {
	[DT_STEP_NOT_STARTED] = {"not_started", "Not Started"},
	[DT_STEP_IN_PROGRESS] = {"in_progress", "In Progress"},
	[DT_STEP_DONE] = {"done", "Completed"},
	[DT_STEP_CANCELLED] = {"cancelled", "Cancelled"},
};

const char *dt_step_status_name(enum dt_step_status s)
{
	return (unsigned)s < 4 ? status_names[s].name : "not_started";
}

int dt_step_status_parse(const char *name, enum dt_step_status *out)
{
	for (unsigned i = 0; i < 4; i++) {
		if (!strcasecmp(name, status_names[i].name) ||
		    !strcasecmp(name, status_names[i].alias)) {
			*out = i;
			return 0;
		}
	}
	if (!strcasecmp(name, "completed") || !strcasecmp(name, "canceled")) {
		*out = name[1] == 'o' ? DT_STEP_DONE : DT_STEP_CANCELLED;
		return 0;
	}
	return -1;
}

void dt_plan_add(struct dt_plan *p, const char *title, enum dt_step_status s)
{
	if (p->nr == p->alloc) {
		p->alloc = p->alloc ? 2 * p->alloc : 8;
		p->step = dt_xrealloc(p->step, p->alloc * sizeof(*p->step));
	}
	p->step[p->nr].title = dt_xstrdup(title);
	p->step[p->nr++].status = s;
}

void dt_plan_release(struct dt_plan *p)
{
	for (size_t i = 0; i < p->nr; i++)
		free(p->step[i].title);
	free(p->step);
	*p = (struct dt_plan)DT_PLAN_INIT;
}

void dt_plan_copy(struct dt_plan *dst, const struct dt_plan *src)
{
	struct dt_plan tmp = DT_PLAN_INIT;

	for (size_t i = 0; i < src->nr; i++)
		dt_plan_add(&tmp, src->step[i].title, src->step[i].status);
	dt_plan_release(dst);
	*dst = tmp;
}

cJSON *dt_plan_to_json(const struct dt_plan *p)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *steps = cJSON_AddArrayToObject(root, "steps");

	for (size_t i = 0; i < p->nr; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "title", p->step[i].title);
		cJSON_AddStringToObject(o, "status", dt_step_status_name(p->step[i].status));
		cJSON_AddItemToArray(steps, o);
	}
	return root;
}

static int parse_step(struct dt_plan *p, const cJSON *o, size_t i, struct dt_sb *err)
{
	const cJSON *title = cJSON_GetObjectItemCaseSensitive(o, "title");
	const cJSON *status = cJSON_GetObjectItemCaseSensitive(o, "status");
	enum dt_step_status s = DT_STEP_NOT_STARTED;

	if (!cJSON_IsString(title))
		title = cJSON_GetObjectItemCaseSensitive(o, "description");
	if (!cJSON_IsString(title) || !*title->valuestring) {
		dt_sb_addf(err, "step %zu has no \"title\" string", i + 1);
		return -1;
	}
	if (status && (!cJSON_IsString(status) || dt_step_status_parse(status->valuestring, &s))) {
		dt_sb_addf(err, "step %zu: \"status\" must be one of not_started, in_progress, "
			   "done, cancelled", i + 1);
		return -1;
	}
	dt_plan_add(p, title->valuestring, s);
	return 0;
}

int dt_plan_from_json(struct dt_plan *p, const cJSON *json, struct dt_sb *err)
{
	const cJSON *steps = cJSON_GetObjectItemCaseSensitive(json, "steps");
	struct dt_plan tmp = DT_PLAN_INIT;
	size_t i = 0;
	const cJSON *o;

	if (!cJSON_IsArray(steps)) {
		dt_sb_adds(err, "expected {\"steps\": [{\"title\": ..., \"status\": ...}]}");
		return -1;
	}
	cJSON_ArrayForEach(o, steps) {
		if (parse_step(&tmp, o, i++, err)) {
			dt_plan_release(&tmp);
			return -1;
		}
	}
	dt_plan_release(p);
	*p = tmp;
	return 0;
}
