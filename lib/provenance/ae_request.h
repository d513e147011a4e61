/* ae_request: what a batch job asked Slurm for, as sbatch was told it.
 *
 * A follow-up job (a cooldown) must ask for what its parent asked for, not
 * for what the parent happened to get: `-N2 --ntasks-per-node=2 --exclusive
 * --gres=gpu:4` is a layout, and "2 nodes, 4 tasks" is not. At submission
 * the plugin records sbatch's command line and its input variables
 * (SBATCH_*) as a list of options in their long form, in the order sbatch
 * applies them; the batch script's own #SBATCH lines travel with the script,
 * which the child runs again. Precedence is kept: input variables first,
 * then the command line (sbatch lets the command line win over the
 * variables and both win over #SBATCH lines), then the follow-up action's
 * own sbatch_args.
 *
 * The parser knows sbatch's options (Slurm 20.11 to 26.05) so that it can
 * tell an option's separate argument (`--nodes 2`) from the script name,
 * after which everything is the script's arguments. An option it does not
 * know (another plugin's) is kept as written and taken to have no separate
 * argument: write such options as --name=value.
 *
 * The record goes into provenance: the values of secret-named variables in
 * --export (ae_secret) are replaced by AE_SECRET_REDACTED, and a follow-up
 * does not pass them on. Give secrets to jobs through files or the
 * environment, not on sbatch's command line.
 */
#ifndef AE_REQUEST_H
#define AE_REQUEST_H

#include <jansson.h>

#include "ae_error.h"

/* Parse sbatch's argv (argv[0] is the program; argc may be 0) and its
 * environment (NULL-ended "NAME=value", may be NULL). Returns a new object
 *   {"options": ["--nodes=2", "--exclusive", ...],
 *    "script": "train.sh" or null (stdin or --wrap),
 *    "heterogeneous": true}   (only when ':' separates components; options
 *                              then hold the first component's)
 * or NULL with err set. The script's own arguments are not recorded (they
 * may hold anything; a follow-up runs its script without them). */
json_t *ae_request_from_sbatch(int argc, char *const argv[], char *const envp[],
                               ae_error *err);

/* The #SBATCH lines of a batch script as sbatch reads them (up to the first
 * line that is neither a comment nor blank), each without the prefix.
 * New array of strings, or NULL when out of memory. */
json_t *ae_request_directives(const char *script);

/* The options of #SBATCH lines (an array as ae_request_directives returns;
 * NULL is none) in their long form, as "options" holds the command line's
 * ("-o x.log" is "--output=x.log"). Each line is split into words as
 * sbatch's get_argument splits it (quotes group and are dropped, a
 * backslash keeps the next character, an unquoted '#' starts a comment) and
 * the words of all lines are read as one argv, as sbatch does, so that a
 * value may be on the next line; a "hetjob" line ends the first
 * component's, the only one read. New array, or NULL with err set when out
 * of memory. */
json_t *ae_request_directive_options(const json_t *directives, ae_error *err);

/* The option (an element of "options") as a follow-up job gives it: a new
 * string (caller frees), or NULL when the follow-up does not carry it (it
 * names this submission alone: job name, array, dependency, hold, chdir,
 * sbatch's own behaviour, autoexp's option) or when out of memory.
 * --export loses the variables whose values were redacted. */
char *ae_request_carry(const char *option);

#endif /* AE_REQUEST_H */
