/* `autoexp args`: a config node as command-line flags for the batch script. */
#ifndef CMD_ARGS_H
#define CMD_ARGS_H

/* argv[0] is the subcommand ("args"); the options follow. Prints to
 * stdout/stderr and returns the exit status: 0 ok, 1 config error,
 * 2 usage error. */
int cmd_args(int argc, char **argv);

#endif /* CMD_ARGS_H */
