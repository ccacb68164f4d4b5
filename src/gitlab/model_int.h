/* Parsing helpers shared by model.c and detail.c (not a public API). */
#ifndef DUOTERM_GITLAB_MODEL_INT_H
#define DUOTERM_GITLAB_MODEL_INT_H

#include <cjson/cJSON.h>

#include "duoterm/gitlab/model.h"

char *dt_gl__str(const cJSON *obj, const char *key);
long dt_gl__num(const cJSON *obj, const char *key);
int dt_gl__bool(const cJSON *obj, const char *key);
char *dt_gl__nested_str(const cJSON *obj, const char *outer, const char *key);
cJSON *dt_gl__parse(const char *json, size_t len, int want_array);
int dt_gl__parse_list(const char *json, size_t len, struct dt_gl_list *out, size_t size,
		      void (*fill)(const cJSON *, void *));
void dt_gl__fill_mr(const cJSON *o, void *item);
void dt_gl__fill_issue(const cJSON *o, void *item);
void dt_gl__fill_pipeline(const cJSON *o, void *item);

#endif
