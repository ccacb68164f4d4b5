/*
 * The Chat pane: the transcript of the conversation with the agent and the
 * input editor under it.
 *
 * The transcript is a list of messages (who said it, the text); streamed
 * replies grow the last message with dt_chat_append().  While following the
 * end, the transcript moves up half a page at a time when it fills, rather
 * than a line per line: far fewer bytes to the terminal over SSH, and the
 * text being read stays put.  PgUp/PgDn scroll; reaching the end follows
 * again.
 *
 * Enter hands the input's text to the submit hook (the agent) after adding
 * it to the transcript.  Everything runs on the main thread.
 */
#ifndef DUOTERM_UI_CHAT_H
#define DUOTERM_UI_CHAT_H

#include "duoterm/ui/input.h"
#include "duoterm/ui/pane.h"

enum dt_chat_role { DT_CHAT_USER, DT_CHAT_AGENT, DT_CHAT_TOOL, DT_CHAT_SYSTEM, DT_CHAT_ERROR };

typedef void (*dt_submit_cb)(void *ud, const char *text);

extern const struct dt_pane_ops dt_chat_pane_ops;

/* Makes p (already dt_pane_init'ed) the Chat pane. */
void dt_chat_init(struct dt_pane *p);
/* A new message (text copied). */
void dt_chat_add(struct dt_pane *p, enum dt_chat_role role, const char *text);
/* Appends to the last message if it is the agent's, else starts one. */
void dt_chat_append(struct dt_pane *p, const char *text);
size_t dt_chat_count(const struct dt_pane *p);
void dt_chat_on_submit(struct dt_pane *p, dt_submit_cb cb, void *ud);
/* While busy the input hint says how to stop the agent. */
void dt_chat_set_busy(struct dt_pane *p, int busy);
struct dt_input *dt_chat_input(struct dt_pane *p);
/* Lines of transcript at a width, for tests and the benchmark. */
size_t dt_chat_lines(struct dt_pane *p, int width);

#endif
