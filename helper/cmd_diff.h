/* `autoexp diff`: what differs between two configs, key by key. */
#ifndef AE_CMD_DIFF_H
#define AE_CMD_DIFF_H

/* argv[0] is "diff"; options and the two files follow. Prints to stdout
 * and stderr; returns 0 (also when they differ), 1 config error, 2 usage. */
int ae_cli_diff(int argc, char **argv);

#endif /* AE_CMD_DIFF_H */
