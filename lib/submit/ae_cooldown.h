/* ae_cooldown: RunAutoexpAction, the automatic submission of a follow-up
 * autoexp run (a cooldown) from a running job's provenance.
 *
 * Fields (templates, ae_template: rendered from the event, the helper's
 * variables and the resolved config):
 *   config_path      default {output_dir}/provenance/unresolved_config.yaml
 *   overrides        list of Hydra overrides, applied in order
 *   script           default {output_dir}/provenance/job_script.sh
 *   sbatch_args      list of extra sbatch options (after the parent's
 *                    resources, so they win)
 *   sbatch           the sbatch program (default "sbatch", looked up in the
 *                    PATH of the helper's environment)
 *   name             a job-name suffix, default "cooldown": the job name is
 *                    the parent's job name + "_" + name; also names the
 *                    cooldown's directory (the key, below)
 *   timeout_seconds  per sbatch run (default 120)
 *   retry_seconds    how long transient failures are retried (default 600)
 *
 * What a start does:
 *  1. key: `name` made file-name safe, plus "_it<checkpoint_iteration>" when
 *     the event has one that the name does not already show. Directory
 *     {output_dir}/provenance/cooldowns/<key>/. A key whose submission.json
 *     belongs to another event gets "_2", "_3"...; one that already holds a
 *     submitted job for this same event is not submitted again.
 *  2. The parent's working directory is the engine's (env->cwd), else
 *     work_dir or submit_dir of run_metadata.json. A relative
 *     checkpoint_path of the event (Megatron prints args.save as given) is
 *     made absolute against it before the overrides are rendered, so the
 *     pinned load does not depend on where the child runs.
 *     The config is composed (ae_compose) from config_path with the
 *     overrides, against the search path recorded in config_reference.json
 *     next to it (the config's own directory comes first), so group
 *     overrides such as monitoring=megatron_basic work from the YAML alone.
 *     Both are read through the provenance directory the helper opened
 *     (env->dirs, required) when config_path is in it, as the default is;
 *     a path elsewhere is resolved once and read from its directory opened
 *     then: no name of the run is looked up again after the helper's
 *     check (a directory above it may have been swapped since).
 *     An override value that comes from a template field is taken
 *     verbatim: a number, bool or null stays typed, anything else becomes a
 *     quoted string, so a path with ';', ',', spaces or quotes arrives
 *     unchanged. Values containing "${" (the event's, the helper's
 *     variables, the parent's resolved config) are escaped, so text from a
 *     log, a job name or a literal "${...}" in the parent's config never
 *     becomes an interpolation; "${...}" written in the override
 *     itself stays one (a parent's "$${oc.timestring:}" or
 *     "\${oc.timestring:}" arrives here as "${oc.timestring:}" and is
 *     resolved by the child, which so gets a timestamp of its own).
 *  3. The parent record goes into the config under AE_COOLDOWN_PARENT_KEY
 *     (autoexp.parent: job_id, job_name, output_dir, provenance_dir, config,
 *     cooldown, submission, checkpoint_path, checkpoint_iteration, event),
 *     its strings escaped so that the child's resolution gives them back
 *     verbatim. The result is written to cooldowns/<key>/config.yaml and
 *     checked as sbatch will check it (ae_submit_prepare); an invalid
 *     config is recorded and not submitted. The script is copied, read as
 *     the config is, to cooldowns/<key>/job_script.sh.
 *  4. sbatch (ae_sbatch) runs without a shell, with cooldowns/<key>/ as
 *     its fd 3 and --autoexp-config=/proc/self/fd/3/config.yaml and the
 *     script /proc/self/fd/3/job_script.sh (ae_fdpath.h), with the helper's
 *     environment minus SLURM_* (but SLURM_CONF) and minus the parent's
 *     AUTOEXP_CONFIG / AUTOEXP_OUTPUT_DIR / AUTOEXP_PROVENANCE_DIR, plus
 *     AUTOEXP_CONFIG_PATH = the recorded search path (so the child can cool
 *     down again) and AUTOEXP_TIMESTRING = a timestring made for this
 *     attempt, in the parent's working directory (step 2), which so
 *     becomes the child's: relative paths in the config mean the same.
 *     Transient failures are retried after 1, 2, 4 ... 30 s until
 *     retry_seconds after the start; nothing sleeps (timers of the action).
 *  5. cooldowns/<key>/submission.json is rewritten at every step (status
 *     preparing|submitting|retrying|submitted|failed|invalid|unknown|stopped;
 *     job_id, argv (as run), argv_fd3 (the directory fd 3 was), cwd, overrides,
 * config, source_config, output_dir, timestring, retry_until, attempts, errors,
 * warnings, event, resumed). run_metadata.json is not touched: the plugin
 * rewrites it at job end while queued actions may still run, and it has no
 * lock. The action's result has key, job_id, config, submission, output_dir and
 * attempts.
 *
 * Resumable (ae_action_class.resumable): when the helper died while this
 * action ran, the next helper starts it again for the same event, and the
 * record of that event, found in step 1, decides. "preparing", "retrying"
 * or "stopped" (nothing submitted): go on, keeping the attempts, errors and
 * retry_until (a window that ran out meanwhile still gets one attempt);
 * "resumed" counts these starts. "submitting" (sbatch was running, the job
 * may exist): not submitted again, the record becomes "unknown" and the
 * action fails. "submitted": succeeds with that job. "failed", "invalid",
 * "unknown": fails again without submitting.
 *
 * output_dir in the record is the child's output directory resolved with
 * the attempt's AUTOEXP_TIMESTRING and the environment given to sbatch; it
 * is right when the submitting plugin takes its timestring from that
 * variable (null when it cannot be resolved here).
 */
#ifndef AE_COOLDOWN_H
#define AE_COOLDOWN_H

#include "ae_cooldown_spec.h" /* the class's name, fields and checks */
#include "ae_error.h"

/* Environment variables set for sbatch. */
#define AE_COOLDOWN_TIMESTRING_ENV "AUTOEXP_TIMESTRING"
/* Files in cooldowns/<key>/. */
#define AE_COOLDOWN_SUBMISSION "submission.json"
#define AE_COOLDOWN_CONFIG     "config.yaml"
#define AE_COOLDOWN_SCRIPT     "job_script.sh" /* the copy sbatch reads */

/* Replace the check-only RunAutoexpAction in ae_action's table (see
 * ae_cooldown_spec.h) with the class that runs. Actions compiled before
 * keep the class they were compiled with, so call it before compiling
 * rules whose actions must run. Not thread-safe. Returns 0 or -1 with err
 * set. */
int ae_cooldown_register(ae_error *err);

/* Called for each record ae_cooldown_stop_open marked, with its key. */
typedef void (*ae_cooldown_stopped)(void *ctx, const char *key);

/* A helper that ends while submissions are in flight (its drain timed out):
 * in {prov_dir}/cooldowns/<key>/submission.json (prov_fd the open
 * provenance directory) "preparing" and "retrying" become "stopped", with
 * why added to errors, so that the record does not claim work that no
 * helper does any more. Nothing was submitted for them; a later helper of
 * the job (a requeue) resumes them like "retrying". "submitting" is left
 * as it is (the resume makes it "unknown"). Call with the journal still
 * open, so that the next helper cannot be resuming yet. Returns how many
 * were marked (0 when there is no cooldowns directory), or -1 with err
 * set. */
long ae_cooldown_stop_open(int prov_fd, const char *prov_dir, const char *why,
                           ae_cooldown_stopped cb, void *ctx, ae_error *err);

#endif /* AE_COOLDOWN_H */
