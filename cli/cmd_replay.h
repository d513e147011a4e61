/* `autoexp replay`: run the monitoring rules of a config over a log file
 * offline and print what the helper would fire, without running anything. */
#ifndef CMD_REPLAY_H
#define CMD_REPLAY_H

/* argv[0] is the subcommand ("replay"); the options follow. Prints to
 * stdout/stderr and returns the exit status: 0 ok, 1 config error (or an
 * unreadable log), 2 usage error. */
int cmd_replay(int argc, char **argv);

#endif /* CMD_REPLAY_H */
