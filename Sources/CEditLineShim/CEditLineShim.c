#include "CEditLineShim.h"
#include <signal.h>
#include <string.h>

int funnel_el_set_prompt(EditLine *el, funnel_prompt_fn prompt) { return el_set(el, EL_PROMPT, prompt); }
int funnel_el_set_editor(EditLine *el, const char *mode) { return el_set(el, EL_EDITOR, mode); }
int funnel_el_set_signal(EditLine *el, int on) { return el_set(el, EL_SIGNAL, on); }
/* The parameter must not be called `history`: EL_HIST takes libedit's history() function, then the History. */
int funnel_el_set_history(EditLine *el, History *h) { return el_set(el, EL_HIST, history, h); }
int funnel_el_set_clientdata(EditLine *el, void *data) { return el_set(el, EL_CLIENTDATA, data); }
void *funnel_el_get_clientdata(EditLine *el) {
    void *data = NULL;
    el_get(el, EL_CLIENTDATA, &data);
    return data;
}
int funnel_el_add_function(EditLine *el, const char *name, const char *help, funnel_command_fn fn) {
    return el_set(el, EL_ADDFN, name, help, fn);
}
int funnel_el_bind(EditLine *el, const char *key, const char *command) {
    return el_set(el, EL_BIND, key, command, (const char *)NULL);
}

int funnel_el_refresh(EditLine *el) { return el_set(el, EL_REFRESH); }

const char *funnel_history_newest(History *h) { HistEvent ev; return history(h, &ev, H_FIRST) == 0 ? ev.str : NULL; }
const char *funnel_history_older(History *h) { HistEvent ev; return history(h, &ev, H_NEXT) == 0 ? ev.str : NULL; }
int funnel_history_set_size(History *h, int size) { HistEvent ev; return history(h, &ev, H_SETSIZE, size); }
int funnel_history_set_unique(History *h, int unique) { HistEvent ev; return history(h, &ev, H_SETUNIQUE, unique); }
int funnel_history_enter(History *h, const char *line) { HistEvent ev; return history(h, &ev, H_ENTER, line); }
int funnel_history_load(History *h, const char *path) { HistEvent ev; return history(h, &ev, H_LOAD, path); }
int funnel_history_save(History *h, const char *path) { HistEvent ev; return history(h, &ev, H_SAVE, path); }

static volatile sig_atomic_t funnel_sigint_flag = 0;

static void funnel_sigint_handler(int signo) {
    (void)signo;
    funnel_sigint_flag = 1;
}

void funnel_sigint_install(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = funnel_sigint_handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;
    sigaction(SIGINT, &action, NULL);
}

int funnel_sigint_take(void) {
    int was = funnel_sigint_flag != 0;
    funnel_sigint_flag = 0;
    return was;
}

int funnel_sigint_peek(void) { return funnel_sigint_flag != 0; }
void funnel_sigint_clear(void) { funnel_sigint_flag = 0; }
