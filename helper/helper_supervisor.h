/* The helper's supervisor: the process the SPANK plugin starts and signals.
 * It forks the worker and starts it again when it dies by a signal or with
 * a non-zero status (not HELPER_EXIT_FATAL), after 0.1 s doubling up to
 * backoff_max, at most max_restarts times in a row (the count and the wait
 * start over once a worker ran 60 s). SIGTERM/SIGINT are passed to the
 * worker, which drains; supervision ends when it exits (a worker that dies
 * while draining is started again, draining). SIGUSR1 is passed on. The
 * worker gets PR_SET_PDEATHSIG SIGTERM, so it drains and exits if the
 * supervisor is killed. helper.json in the provenance directory says who
 * runs (pid, start time, worker pid, restarts, state), replaced atomically. */
#ifndef HELPER_SUPERVISOR_H
#define HELPER_SUPERVISOR_H

#include "helper_worker.h"

/* Returns the exit status for the program: 0 after a clean drain, 1 when
 * restarts ran out, HELPER_EXIT_FATAL when the worker said so. Every
 * worker gets d, opened once by the program. */
int helper_supervise(const helper_opts *o, const helper_dirs *d);

/* Write helper.json with pid = this process (foreground mode: no worker).
 * state: "running", "exited"... status: exit status or -1. */
void helper_write_status(int provfd, const helper_opts *o, int worker_pid,
                         unsigned restarts, const char *state, int status);

#endif /* HELPER_SUPERVISOR_H */
