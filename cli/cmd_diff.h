/* `autoexp diff`: what differs between two configs, key by key. */
#ifndef CMD_DIFF_H
#define CMD_DIFF_H

/* argv[0] is "diff"; options and the two files follow. Prints to stdout
 * and stderr; returns 0 (also when they differ), 1 config error, 2 usage. */
int cmd_diff(int argc, char **argv);

#endif /* CMD_DIFF_H */
