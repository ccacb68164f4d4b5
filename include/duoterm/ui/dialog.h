/*
 * Modal boxes over the panes: the help (generated from the keymap), a
 * yes/no confirmation, and a pick-one-from-a-list.  The app owns at most one
 * at a time, gives it every key as an action, draws it after the panes, and
 * when dt_dialog_action() says it is done, closes it with dt_dialog_close(),
 * which frees it and then calls the callback — so the callback may open the
 * next dialog.
 */
#ifndef DUOTERM_UI_DIALOG_H
#define DUOTERM_UI_DIALOG_H

#include <stddef.h>

#include "duoterm/ui/action.h"

/* confirm: 1 yes, 0 no; pick: the index, or -1 when cancelled; help: 0 */
typedef void (*dt_dialog_cb)(void *ud, int result);

struct dt_dialog;

struct dt_dialog *dt_dialog_help(const struct dt_keymap *km);
struct dt_dialog *dt_dialog_confirm(const char *title, const char *text, dt_dialog_cb cb,
				    void *ud);
struct dt_dialog *dt_dialog_pick(const char *title, const char *const *items, size_t n,
				 size_t sel, dt_dialog_cb cb, void *ud);
/* The key contexts it answers. */
unsigned dt_dialog_ctx(const struct dt_dialog *d);
/* 1 when the dialog is done. */
int dt_dialog_action(struct dt_dialog *d, enum dt_action a);
/* Draws it centred on a cols x rows screen (wnoutrefresh, no doupdate);
 * full: the panes under it were redrawn, so all of it must be copied again. */
void dt_dialog_draw(struct dt_dialog *d, int cols, int rows, int full);
int dt_dialog_dirty(const struct dt_dialog *d);
/* Frees d and calls its callback with the result. */
void dt_dialog_close(struct dt_dialog *d);
/* The help's text lines, for tests: what the overlay shows. */
const char *dt_dialog_title(const struct dt_dialog *d);

#endif
