// One-line wrappers for libedit's variadic calls (el_set, el_get, history), which Swift cannot
// call, and a SIGINT flag that a signal handler can set safely.
#ifndef CEDITLINESHIM_H
#define CEDITLINESHIM_H

#include <histedit.h>

typedef const char *_Nonnull (*funnel_prompt_fn)(EditLine *_Nonnull);
typedef unsigned char (*funnel_command_fn)(EditLine *_Nonnull, int ch);

int funnel_el_set_prompt(EditLine *_Nonnull el, funnel_prompt_fn _Nonnull prompt);
int funnel_el_set_editor(EditLine *_Nonnull el, const char *_Nonnull mode);
int funnel_el_set_signal(EditLine *_Nonnull el, int on);
int funnel_el_set_history(EditLine *_Nonnull el, History *_Nonnull h);
int funnel_el_set_clientdata(EditLine *_Nonnull el, void *_Nullable data);
void *_Nullable funnel_el_get_clientdata(EditLine *_Nonnull el);
int funnel_el_add_function(EditLine *_Nonnull el, const char *_Nonnull name, const char *_Nonnull help, funnel_command_fn _Nonnull fn);
int funnel_el_bind(EditLine *_Nonnull el, const char *_Nonnull key, const char *_Nonnull command);
/// Redraws the prompt and the line (after the prompt's text changed).
int funnel_el_refresh(EditLine *_Nonnull el);

/// History from the newest entry: `newest` starts, `older` steps on; NULL past the oldest.
const char *_Nullable funnel_history_newest(History *_Nonnull h);
const char *_Nullable funnel_history_older(History *_Nonnull h);
int funnel_history_set_size(History *_Nonnull h, int size);
int funnel_history_set_unique(History *_Nonnull h, int unique);
int funnel_history_enter(History *_Nonnull h, const char *_Nonnull line);
int funnel_history_load(History *_Nonnull h, const char *_Nonnull path);
int funnel_history_save(History *_Nonnull h, const char *_Nonnull path);

/// Installs a SIGINT handler that only sets a flag (no SA_RESTART, so blocking reads return).
void funnel_sigint_install(void);
/// Returns 1 and clears the flag when SIGINT arrived since the last call.
int funnel_sigint_take(void);
/// Returns 1 when SIGINT arrived, without clearing the flag.
int funnel_sigint_peek(void);
void funnel_sigint_clear(void);

#endif
