#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "ae_cooldown.h"
#include "ae_engine.h"
#include "ae_engine_journal.h"
#include "ae_fields.h"
#include "ae_follow.h"
#include "ae_journal.h"
#include "ae_journal_lock.h"
#include "ae_monitor_config.h"
#include "ae_restart.h"
#include "ae_restart_record.h"
#include "ae_rules.h"
#include "ae_template.h"
#include "ae_vars.h"
#include "ae_yaml.h"
#include "helper_catchup.h"
#include "helper_jobinfo.h"
#include "helper_log.h"
#include "helper_states.h"
#include "helper_worker.h"

extern char **environ;

#define DEFAULT_DRAIN_TIMEOUT 300.0
/* While lines keep coming, the state is saved at least this often. */
#define BUSY_SAVE_INTERVAL 1.0
/* A state that could not be saved is tried again after this long. */
#define SAVE_RETRY_INTERVAL 5.0
/* How often the clock is looked at while delivering lines. */
#define LINES_PER_CLOCK_CHECK 1024
/* The follower callback's "stop: save the state, then go on". */
#define STOP_TO_SAVE 2
/* Its "stop: the journal holds back too much work" (HELD_MAX). */
#define STOP_HELD 3
/* While this many actions wait for a journal that cannot record (a full
 * disk), the log is not read further: its lines wait in the log, not in
 * memory, and the saved position does not pass them. */
#define HELD_MAX     256
#define MAX_POLL_FDS 64
/* scontrol attempts (a helper without job_metadata.json) when the log path
 * depends on it / when it does not. */
#define SCONTROL_TRIES_NEEDED   5
#define SCONTROL_TRIES_OPTIONAL 1
/* The follower's buffer is about max_line + block and is read into whole:
 * these keep the helper's resident memory small (a longer line is skipped
 * and counted; Megatron's lines are well under 1 KiB). */
#define FOLLOW_MAX_LINE (256 * 1024)
#define FOLLOW_BLOCK    (64 * 1024)

typedef struct wstats {
	unsigned long long lines;
	unsigned long long events;
	unsigned long long submitted;
	unsigned long long wakeups;
	unsigned long long saves;
	unsigned long long follow_errors;
	unsigned long long engine_errors;
} wstats;

typedef struct worker {
	const helper_opts *o;
	const helper_dirs *dirs;
	int provfd;
	ae_node *config;
	const ae_node *monitoring;
	ae_rules *rules;
	ae_monitor_settings settings;
	helper_states *states;
	ae_node *vars;
	ae_template_ctx tctx;
	ae_journal *journal;
	ae_engine_journal *ej;
	ae_engine *engine;
	json_t *resume; /* started records of actions to resume (at start) */
	ae_follow *follow;
	helper_jobinfo ji;
	char *log_path;
	double drain_timeout;
	int attempt;
	int restart_count;
	int sfd;
	int term;
	int draining;
	int drain_timed_out; /* the drain ended with actions undecided */
	double deadline;
	ae_follow_pos saved_pos;
	double last_save; /* monotonic */
	int save_failing;
	double last_beat;  /* the journal's lease renewed (monotonic) */
	int beat_failing;  /* ... could not be, said once */
	int lost;          /* another helper took the journal over */
	double held_since; /* the journal holds work back (monotonic) */
	int paused;        /* ... so much that the log is not read */
	int previous_log;  /* reading the previous job's log: read whole */
	unsigned lines_since_check;
	wstats st;
	char last_follow_error[AE_ERROR_TEXT_LEN];
	uint64_t rule_errors; /* the rules' refused matches, as logged */
} worker;

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void log_error(const char *what, const ae_error *err)
{
	char
	    buf[AE_ERROR_FILE_LEN + AE_ERROR_PATH_LEN + AE_ERROR_TEXT_LEN + 64];

	ae_error_format(err, buf, sizeof(buf));
	helper_log("%s: %s", what, buf);
}

static void log_stats(const worker *w, const char *when)
{
	ae_follow_stats fs = {0};
	ae_engine_stats es = {0};
	ae_follow_pos pos = {0};

	if (w->follow) {
		fs = ae_follow_stats_get(w->follow);
		pos = ae_follow_position(w->follow);
	}
	if (w->engine)
		ae_engine_get_stats(w->engine, &es);
	helper_log("stats (%s): lines=%llu bytes=%llu offset=%llu events=%llu "
	           "submitted=%llu started=%llu succeeded=%llu failed=%llu "
	           "skipped=%llu deduped=%llu pending=%zu wakeups=%llu "
	           "saves=%llu rotations=%llu truncations=%llu "
	           "long_lines=%llu follow_errors=%llu journal_errors=%llu",
	           when, w->st.lines, (unsigned long long)fs.bytes,
	           (unsigned long long)pos.offset, w->st.events,
	           w->st.submitted, es.started, es.succeeded, es.failed,
	           es.skipped, es.deduped,
	           w->engine ? ae_engine_pending(w->engine) : 0, w->st.wakeups,
	           w->st.saves, (unsigned long long)fs.rotations,
	           (unsigned long long)fs.truncations,
	           (unsigned long long)fs.long_lines, w->st.follow_errors,
	           w->ej ? ae_engine_journal_errors(w->ej) : 0);
}

/* The engine tells every decided trigger: one line in helper.log. */
static void engine_log(void *ctx, const ae_fire_key *key,
                       const char *action_class, ae_fire_outcome outcome,
                       const char *message)
{
	static const char *const names[] = {"ok", "failed", "skipped"};

	(void)ctx;
	helper_log("action %s event=%s action=%u key=%s class=%s: %s",
	           names[outcome <= AE_FIRE_SKIPPED ? outcome : 1], key->event,
	           key->binding, key->dedup_key ? key->dedup_key : "{}",
	           action_class ? action_class : "?", message ? message : "");
}

static int emit(void *ctx, size_t rule, ae_event *ev)
{
	worker *w = ctx;
	ae_error err;
	int n;

	w->st.events++;
	helper_states_event(w->states, ev);
	if (ae_rules_nbindings(w->rules, rule) == 0) {
		ae_event_free(ev);
		return 0;
	}
	n = ae_engine_journal_track(w->ej, rule, ev, &err);
	if (n <= 0) {
		if (n < 0)
			log_error("cannot track event", &err);
		ae_event_free(ev);
		return 0;
	}
	w->st.submitted++;
	if (ae_engine_submit(w->engine, rule, ev, wall_now(), &err) < 0) {
		w->st.engine_errors++;
		log_error("event", &err);
	}
	return 0;
}

/* A match the rules refused (a value cut by invalid UTF-8, a once_per that
 * does not render) gives no event: helper.log says so, for the first ten and
 * then every thousandth. */
static void log_refused(worker *w, uint64_t line_no)
{
	ae_rules_stats rst;

	ae_rules_get_stats(w->rules, &rst);
	if (rst.errors == w->rule_errors)
		return;
	w->rule_errors = rst.errors;
	if (rst.errors <= 10 || rst.errors % 1000 == 0)
		helper_log("line %llu: %s (%llu so far)",
		           (unsigned long long)line_no, rst.last_error,
		           (unsigned long long)rst.errors);
}

static int on_line(const char *line, size_t len, uint64_t offset,
                   uint64_t line_no, void *ctx)
{
	worker *w = ctx;
	ae_error err;

	w->st.lines++;
	helper_states_line(w->states, line, len);
	if (ae_rules_match_line(w->rules, line, len, offset, line_no,
	                        w->log_path, emit, w, &err) < 0)
		log_error("matching", &err);
	log_refused(w, line_no);
	if (!w->draining && !w->previous_log &&
	    ae_engine_journal_held(w->engine) >= HELD_MAX)
		return STOP_HELD;
	if (++w->lines_since_check >= LINES_PER_CLOCK_CHECK) {
		w->lines_since_check = 0;
		if (mono_now() - w->last_save >= BUSY_SAVE_INTERVAL)
			return STOP_TO_SAVE;
	}
	return 0;
}

/* A later job of the run follows its own log. What its predecessor's helper
 * never read of the previous job's log (it died with its job: a node
 * failure, a kill before the drain) is read first, from the saved
 * position, so that a trigger printed there still fires, once (the journal
 * keeps what fired). A requeue keeps its log path and is resumed by the
 * follower itself. */
static void finish_previous_log(worker *w, const ae_journal_state *st)
{
	char *own = w->log_path;
	ae_follow_opts fo;
	ae_follow *f;
	ae_error err;
	uint64_t lines = w->st.lines;
	int rc;

	memset(&fo, 0, sizeof(fo));
	fo.max_line = FOLLOW_MAX_LINE;
	fo.block_size = FOLLOW_BLOCK;
	fo.no_inotify = 1;
	fo.start = &st->pos;
	f = ae_follow_new(st->log_path, &fo, &err);
	if (!f) {
		log_error("the previous job's log", &err);
		return;
	}
	w->log_path = st->log_path; /* the events' source */
	w->previous_log = 1;
	do
		rc = ae_follow_drain(f, on_line, w, &err);
	while (rc == STOP_TO_SAVE);
	w->previous_log = 0;
	w->log_path = own;
	if (rc < 0)
		log_error("the previous job's log", &err);
	helper_log("read the rest of the previous job's log %s from offset "
	           "%llu: %llu line(s)",
	           st->log_path, (unsigned long long)st->pos.offset,
	           (unsigned long long)(w->st.lines - lines));
	ae_follow_free(f);
}

/* Checkpoints the run saved that no helper saw and no log shows any more
 * (helper_catchup.h), fed to the rules as Megatron's lines. The rules' keys
 * are the extracted values, so a save that was seen after all does not
 * fire twice. */
static void catch_up_saves(worker *w)
{
	char line[PATH_MAX + 128];
	helper_catchup c;
	ae_error err;
	size_t len;

	if (helper_catchup_find(w->provfd, w->dirs->run.job_fd, w->attempt, &c,
	                        &err) < 0) {
		log_error("checkpoints no log shows", &err);
		return;
	}
	for (size_t i = 0; i < c.n; i++) {
		len = helper_catchup_line(&c, c.iterations[i], line,
		                          sizeof(line));
		if (ae_rules_match_line(w->rules, line, len,
		                        (uint64_t)c.iterations[i], 0,
		                        c.save_dir, emit, w, &err) < 0)
			log_error("matching", &err);
	}
	if (c.n)
		helper_log(
		    "%zu checkpoint(s) in %s that no log shows (iteration "
		    "%lld to %lld): matched as Megatron's lines",
		    c.n, c.save_dir, c.iterations[0], c.iterations[c.n - 1]);
	helper_catchup_clear(&c);
}

static int pos_equal(ae_follow_pos a, ae_follow_pos b)
{
	return a.dev == b.dev && a.ino == b.ino && a.offset == b.offset &&
	       a.line_no == b.line_no;
}

/* Save monitor_state.json when the position or the pending work changed. */
static void save_state(worker *w, int force)
{
	ae_journal_state st;
	ae_error err;

	memset(&st, 0, sizeof(st));
	st.pos = ae_follow_position(w->follow);
	if (!force && pos_equal(st.pos, w->saved_pos) &&
	    !ae_engine_journal_dirty(w->ej))
		return;
	/* a full disk: tried again every few seconds, not at every wakeup */
	if (!force && w->save_failing &&
	    mono_now() - w->last_save < SAVE_RETRY_INTERVAL)
		return;
	st.log_path = w->log_path;
	st.pending = ae_engine_journal_pending(w->ej);
	st.facts = helper_states_save(w->states);
	if (!st.pending || !st.facts) {
		helper_log("cannot save the state: out of memory");
		json_decref(st.pending);
		json_decref(st.facts);
		return;
	}
	if (ae_journal_state_save(w->journal, &st, &err) < 0) {
		/* said once, not every second while the disk is full */
		if (!w->save_failing)
			helper_log_alert("cannot save the state: %s (tried "
			                 "again; a restart would read the log "
			                 "again from the last saved place)",
			                 err.text);
		w->save_failing = 1;
	} else {
		if (w->save_failing)
			helper_log_alert("the state is saved again");
		w->save_failing = 0;
		w->saved_pos = st.pos;
		ae_engine_journal_clean(w->ej);
		w->st.saves++;
	}
	w->last_save = mono_now();
	json_decref(st.pending);
	json_decref(st.facts);
}

/* Tell the stall timer how far the log is. */
static void activity(worker *w)
{
	ae_follow_stats fs = ae_follow_stats_get(w->follow);
	ae_follow_pos pos = ae_follow_position(w->follow);

	helper_states_activity(
	    w->states, fs.bytes + fs.rotations + fs.truncations + fs.opens,
	    fs.bytes > 0 || pos.offset > 0, mono_now());
}

/* Read what the log has. Returns 1 when it stopped early to save the state
 * (more lines are waiting), 0 otherwise. */
static int follow(worker *w, int final)
{
	ae_error err;
	int rc;

	rc = final ? ae_follow_drain(w->follow, on_line, w, &err)
	           : ae_follow_poll(w->follow, on_line, w, &err);
	activity(w);
	if (rc < 0) {
		w->st.follow_errors++;
		/* the same error every second is said once */
		if (strcmp(err.text, w->last_follow_error)) {
			log_error("log", &err);
			snprintf(w->last_follow_error,
			         sizeof(w->last_follow_error), "%s", err.text);
		}
		return 0;
	}
	w->last_follow_error[0] = '\0';
	return rc == STOP_TO_SAVE;
}

static void step(worker *w)
{
	ae_error err;

	if (ae_engine_step(w->engine, wall_now(), &err) < 0) {
		w->st.engine_errors++;
		log_error("engine", &err);
	}
}

static void start_drain(worker *w)
{
	w->draining = 1;
	w->deadline = mono_now() + w->drain_timeout;
	helper_log("draining: reading the log to its end, then waiting up to "
	           "%.0f s for %zu pending action(s)",
	           w->drain_timeout, ae_engine_pending(w->engine));
	while (follow(w, 1))
		save_state(w, 0);
	/* all of the log is read: the end's facts are known */
	helper_states_end(w->states);
	step(w);
	save_state(w, 0);
}

/* A stall is due: look at the log once more (it may have grown since the
 * follower's last check), then fire it if it is still silent. */
static int check_stall(worker *w)
{
	int busy;

	if (w->draining || w->paused ||
	    helper_states_timeout_ms(w->states, mono_now()) != 0)
		return 0;
	busy = follow(w, 0);
	helper_states_check_stall(
	    w->states, ae_follow_position(w->follow).offset, mono_now());
	return busy;
}

/* SIGTERM/SIGINT start the drain, SIGUSR1 logs the statistics. */
static void read_signals(worker *w)
{
	struct signalfd_siginfo si;

	while (read(w->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			if (!w->term)
				helper_log("signal %u: stopping", si.ssi_signo);
			w->term = 1;
		} else if (si.ssi_signo == SIGUSR1) {
			log_stats(w, "SIGUSR1");
		}
	}
}

static int ms_until(double when, double now)
{
	double ms = ceil((when - now) * 1000.0);

	if (ms <= 0)
		return 0;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

/* The journal holds work back (it cannot record: a full disk, an I/O
 * error, a read-only file system; ae_engine.h): said when it begins and
 * ends, also on stderr (helper.log is most likely on the same disk). While
 * HELD_MAX actions wait the log is not read further (and no stall is
 * looked for: its growth is not seen). */
static void watch_journal(worker *w)
{
	size_t held = ae_engine_journal_held(w->engine);
	int paused = !w->draining && held >= HELD_MAX;

	if (held && !w->held_since) {
		w->held_since = mono_now();
		helper_log_alert(
		    "the journal cannot record: %s: %zu action(s) "
		    "wait, none is lost or runs twice; tried again "
		    "every 1 to 10 s",
		    ae_engine_journal_error(w->engine), held);
	} else if (!held && w->held_since) {
		helper_log_alert("the journal records again after %.0f s: the "
		                 "actions that waited go on",
		                 mono_now() - w->held_since);
		w->held_since = 0;
	}
	if (paused && !w->paused)
		helper_log_alert("%zu actions wait for the journal: the log is "
		                 "read on once it records again",
		                 held);
	w->paused = paused;
}

/* Renew the journal's lease (ae_journal_lock.h) every
 * AE_JOURNAL_LEASE_BEAT seconds. -1 when another helper took the journal
 * over: this one must stop at once, deciding nothing more. */
static int beat(worker *w)
{
	ae_error err;
	int rc;

	if (mono_now() - w->last_beat < AE_JOURNAL_LEASE_BEAT)
		return 0;
	w->last_beat = mono_now();
	rc = ae_journal_heartbeat(w->journal, &err);
	if (rc == -2) {
		helper_log_alert("journal: %s: this helper stops", err.text);
		w->lost = 1;
		return -1;
	}
	if (rc < 0 && !w->beat_failing)
		helper_log_alert("journal: %s (tried again every %d s)",
		                 err.text, AE_JOURNAL_LEASE_BEAT);
	else if (rc == 0 && w->beat_failing)
		helper_log("journal: the lease is renewed again");
	w->beat_failing = rc < 0;
	return 0;
}

static int loop(worker *w)
{
	/* at once: the follower's first check (and its inotify watches)
	 * would otherwise wait for its periodic timer */
	int busy = follow(w, 0);

	for (;;) {
		struct pollfd pfd[MAX_POLL_FDS];
		int efds[MAX_POLL_FDS];
		int n = 0, ne, ifd, timeout, follow_due, engine_due = 0;
		double now, next;

		/* after every batch of lines and engine step, before
		 * sleeping: the state is saved when something changed */
		save_state(w, 0);
		watch_journal(w);
		if (w->paused)
			busy = 0; /* the lines wait */
		if (beat(w) < 0)
			return 2;
		if (w->term && !w->draining)
			start_drain(w);
		if (w->draining && !busy) {
			if (ae_engine_pending(w->engine) == 0) {
				/* a last look at the log: lines written
				 * while the actions ran */
				while (follow(w, 1))
					save_state(w, 0);
				step(w);
				if (ae_engine_pending(w->engine) == 0)
					return 0;
			}
			if (mono_now() >= w->deadline && !w->drain_timed_out) {
				size_t crit;

				/* nothing new starts; a running sbatch of a
				 * cooldown ends first (within its timeout):
				 * killed, it would leave unknown whether it
				 * submitted */
				w->drain_timed_out = 1;
				ae_engine_request_stop(w->engine);
				crit = ae_engine_critical_children(w->engine);
				helper_log("drain timeout: %zu action(s) not "
				           "decided are left in the state%s",
				           ae_engine_pending(w->engine),
				           crit ? "; waiting for the running "
				                  "submission(s) to end"
				                : "");
			}
			if (w->drain_timed_out &&
			    ae_engine_critical_children(w->engine) == 0)
				return 0;
		}

		timeout = busy ? 0 : ae_follow_timeout_ms(w->follow);
		if (!w->draining && !w->paused) {
			int s = helper_states_timeout_ms(w->states, mono_now());

			if (s >= 0 && s < timeout)
				timeout = s;
		}
		if (ms_until(w->last_beat + AE_JOURNAL_LEASE_BEAT, mono_now()) <
		    timeout)
			timeout = ms_until(w->last_beat + AE_JOURNAL_LEASE_BEAT,
			                   mono_now());
		now = wall_now();
		next = ae_engine_next_time(w->engine, now);
		if (isfinite(next) && ms_until(next, now) < timeout)
			timeout = ms_until(next, now);
		if (w->draining && !w->drain_timed_out) {
			int d = ms_until(w->deadline, mono_now());

			if (d < timeout)
				timeout = d;
		}
		pfd[n++] = (struct pollfd){w->sfd, POLLIN, 0};
		/* paused, a growing log must not keep waking the loop */
		ifd = w->paused ? -1 : ae_follow_fd(w->follow);
		if (ifd >= 0)
			pfd[n++] = (struct pollfd){ifd, POLLIN, 0};
		ne = ae_engine_fds(w->engine, efds, MAX_POLL_FDS - n);
		for (int i = 0; i < ne; i++)
			pfd[n + i] = (struct pollfd){efds[i], POLLIN, 0};
		if (poll(pfd, (nfds_t)(n + ne), timeout) < 0 &&
		    errno != EINTR) {
			helper_log("poll: %s", strerror(errno));
			return 1;
		}
		w->st.wakeups++;
		if (pfd[0].revents)
			read_signals(w);
		follow_due =
		    !w->paused && (busy || (ifd >= 0 && pfd[1].revents) ||
		                   ae_follow_timeout_ms(w->follow) == 0);
		if (follow_due)
			busy = follow(w, 0);
		busy = check_stall(w) || busy;
		for (int i = 0; i < ne; i++)
			engine_due = engine_due || pfd[n + i].revents;
		now = wall_now();
		if (engine_due || ae_engine_next_time(w->engine, now) <= now)
			step(w);
	}
}

static char *dirname_dup(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* The template variables (ae_vars) from what the helper knows; log_path
 * once it is (the log path's own template is rendered without it). */
static int make_vars(worker *w)
{
	const char *out = getenv("AUTOEXP_OUTPUT_DIR");
	char *dir =
	    out && *out ? strdup(out) : dirname_dup(w->o->provenance_dir);
	ae_vars_job job = {
	    .output_dir = dir,
	    .provenance_dir = w->o->provenance_dir,
	    .job_id = w->o->job_id,
	    .job_name = w->ji.job_name,
	    .user = w->ji.user ? w->ji.user : getenv("USER"),
	    .node = w->ji.node,
	    .array_job_id = w->ji.array_job_id,
	    .array_task_id = w->ji.array_task_id,
	    .log_path = w->log_path,
	    .attempt = w->attempt,
	};
	ae_error err;
	int rc = -1;

	ae_node_free(w->vars);
	w->vars = NULL;
	if (!dir || !(w->vars = ae_vars_new(w->config, &job, &err)))
		goto out;
	w->tctx.vars = w->vars;
	w->tctx.config = w->config;
	rc = 0;
out:
	free(dir);
	return rc;
}

/* An absolute path: relative ones are Slurm's, from the job's working
 * directory. */
static char *absolute(const char *path, const char *workdir)
{
	char cwd[PATH_MAX], *abs;

	if (path[0] == '/')
		return strdup(path);
	if (!workdir)
		workdir = getcwd(cwd, sizeof(cwd));
	if (!workdir || asprintf(&abs, "%s/%s", workdir, path) < 0)
		return NULL;
	return abs;
}

/* Decide the log path: --log, else monitoring.log_path (a template, then
 * Slurm's patterns), else the job's stdout (helper_jobinfo), else the path
 * the state recorded. Returns 0, 1 (try again later), HELPER_EXIT_FATAL. */
static int find_log(worker *w, const char *saved)
{
	const ae_node *lp = ae_map_get(w->monitoring, "log_path");
	char *text = NULL, *expanded = NULL;
	ae_error err;
	int rc = 1;

	if (w->o->log_path) {
		w->log_path = absolute(w->o->log_path, NULL);
		return w->log_path ? 0 : 1;
	}
	if (lp && lp->type == AE_STRING && *lp->u.str.s) {
		text = ae_template_expand(lp->u.str.s, &w->tctx, &err);
		if (!text) {
			log_error("monitoring.log_path", &err);
			return HELPER_EXIT_FATAL;
		}
		expanded =
		    helper_jobinfo_expand(text, &w->ji, w->o->job_id, &err);
		if (!expanded) {
			log_error("monitoring.log_path", &err);
			rc = HELPER_EXIT_FATAL;
			goto out;
		}
		w->log_path = absolute(expanded, w->ji.workdir);
	} else if (w->ji.std_out) {
		w->log_path = absolute(w->ji.std_out, w->ji.workdir);
	} else if (saved) {
		helper_log("no log path known: following %s as before", saved);
		w->log_path = strdup(saved);
	} else {
		helper_log("no log path: the job's facts gave none, "
		           "monitoring.log_path is not set and --log was not "
		           "given");
		goto out;
	}
	rc = w->log_path ? 0 : 1;
out:
	free(text);
	free(expanded);
	return rc;
}

static int setup_signals(worker *w, sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, old) < 0)
		return -1;
	/* writes to a pipe whose reader died fail with EPIPE instead */
	signal(SIGPIPE, SIG_IGN);
	w->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return w->sfd < 0 ? -1 : 0;
}

/* A non-empty list or mapping. */
static int non_empty(const ae_node *n)
{
	return n && (ae_map_size(n) > 0 || ae_seq_size(n) > 0);
}

static int load_config(worker *w)
{
	const ae_node *cls;
	ae_error err;

	/* read once, from the directory the helper opened (helper_dirs.h) */
	if (!w->dirs->config_text) {
		log_error("config", &w->dirs->config_err);
		return HELPER_EXIT_FATAL;
	}
	w->config =
	    ae_yaml_load_string(w->dirs->config_text, w->dirs->config_len,
	                        w->dirs->config_name, NULL, &err);
	if (!w->config) {
		log_error("config", &err);
		return HELPER_EXIT_FATAL;
	}
	w->monitoring = ae_map_get(w->config, "monitoring");
	if (!w->monitoring || w->monitoring->type != AE_MAP) {
		helper_log("%s: no monitoring section: nothing to do",
		           w->o->config_path);
		return -1;
	}
	if (ae_monitor_config_check(w->monitoring, 0, &err) < 0) {
		log_error("config", &err);
		return HELPER_EXIT_FATAL;
	}
	if (ae_monitor_config_settings(w->monitoring, 0, &w->settings, &err) <
	    0) {
		log_error("config", &err);
		return HELPER_EXIT_FATAL;
	}
	cls = ae_map_get(w->monitoring, "class_name");
	if ((cls && cls->type == AE_STRING &&
	     !strcmp(cls->u.str.s, "NullMonitor")) ||
	    (!non_empty(ae_map_get(w->monitoring, "log_events")) &&
	     !non_empty(ae_map_get(w->monitoring, "state_events")) &&
	     w->settings.inactivity <= 0)) {
		helper_log("monitoring has no log events, no state events and "
		           "no inactivity threshold: nothing to do");
		return -1;
	}
	w->drain_timeout = DEFAULT_DRAIN_TIMEOUT;
	if (ae_fields_seconds(w->monitoring, "drain_timeout_seconds", 0,
	                      &w->drain_timeout, &err) < 0) {
		log_error("config", &err);
		return HELPER_EXIT_FATAL;
	}
	w->rules = ae_monitor_config_rules(w->monitoring, 0, &err);
	if (!w->rules) {
		log_error("config", &err);
		return HELPER_EXIT_FATAL;
	}
	return 0;
}

static void record_start(worker *w, ae_follow_pos start, int resumed,
                         int restored, size_t dropped, int restarted)
{
	json_t *f = json_pack(
	    "{s:i, s:s, s:s, s:I, s:b, s:i, s:i, s:i, s:i}", "pid",
	    (int)getpid(), "job_id", w->o->job_id, "log_path", w->log_path,
	    "offset", (json_int_t)start.offset, "resumed", resumed, "restored",
	    restored, "dropped", (int)dropped, "attempt", w->attempt,
	    "actions_resumed", restarted);
	ae_error err;

	if (f && ae_journal_record(w->journal, "helper_started", f, &err) < 0)
		log_error("journal", &err);
	json_decref(f);
}

/* The journal's question at open: resume this interrupted action? Yes for
 * resumable classes; their started records are kept for resume_started(). */
static int want_resume(void *ctx, const json_t *started)
{
	worker *w = ctx;

	if (!ae_engine_journal_resumable((void *)w->rules, started))
		return 0;
	if (!w->resume && !(w->resume = json_array()))
		return 0;
	return json_array_append(w->resume, (json_t *)started) == 0;
}

/* Start the kept actions again; one that cannot be is logged and stays
 * started in the journal (the next helper tries again; it never runs
 * twice). Returns how many were resumed. */
static int resume_started(worker *w)
{
	size_t i;
	json_t *r;
	int n = 0;

	json_array_foreach(w->resume, i, r)
	{
		ae_error err;
		int rc = ae_engine_journal_resume(w->ej, w->engine, r,
		                                  wall_now(), &err);

		if (rc < 0)
			log_error("resuming an interrupted action", &err);
		else if (rc > 0) {
			helper_log(
			    "resuming action %s of event %s (key %s): "
			    "it was running when the previous helper "
			    "stopped",
			    json_string_value(json_object_get(r, "action")),
			    json_string_value(json_object_get(r, "event")),
			    json_string_value(json_object_get(r, "key")));
			n++;
		}
	}
	json_decref(w->resume);
	w->resume = NULL;
	return n;
}

/* The count that names this start in the state events' keys and the saved
 * facts (helper_states.h): SLURM_RESTART_COUNT when set (a helper run by
 * hand in the job), else the run's start number - 1 from job_metadata.json
 * (for the first job of a run and its requeues that is Slurm's restart
 * count, what the keys held when it came from scontrol; a later job of the
 * run gets a count of its own), else scontrol's Restarts, else 0. */
static int restart_count(const helper_jobinfo *ji)
{
	const char *v = getenv("SLURM_RESTART_COUNT");
	char *end;
	long n;

	if (v && *v) {
		n = strtol(v, &end, 10);
		if (!*end && n >= 0 && n < INT_MAX)
			return (int)n;
	}
	if (ji->start >= 1)
		return ji->start - 1;
	return ji->restarts >= 0 ? ji->restarts : 0;
}

/* backend.megatron.train_iters of the resolved config, -1 when absent. */
static long long config_train_iters(const ae_node *config)
{
	const ae_node *b = ae_map_get(config, "backend");
	const ae_node *m =
	    b && b->type == AE_MAP ? ae_map_get(b, "megatron") : NULL;
	const ae_node *v =
	    m && m->type == AE_MAP ? ae_map_get(m, "train_iters") : NULL;
	char *end;
	long long n;

	if (v && v->type == AE_INT)
		return v->u.i > 0 ? v->u.i : -1;
	if (v && v->type == AE_STRING) {
		n = strtoll(v->u.str.s, &end, 10);
		if (end != v->u.str.s && !*end && n > 0)
			return n;
	}
	return -1;
}

/* The job's states (helper_states), from the saved facts. */
static int make_states(worker *w, const json_t *saved)
{
	helper_states_opts so;

	memset(&so, 0, sizeof(so));
	so.settings = w->settings;
	so.config_train_iters = config_train_iters(w->config);
	so.job_id = w->o->job_id;
	so.restart_count = w->restart_count;
	so.attempt = w->attempt;
	so.dirs = w->dirs;
	so.rules = w->rules;
	so.engine = w->engine;
	so.ej = w->ej;
	so.journal = w->journal;
	w->states = helper_states_new(&so, saved, wall_now(), mono_now());
	return w->states ? 0 : -1;
}

/* The job's facts. From this start's job_metadata.json (AUTOEXP_JOB_DIR)
 * and this host: the helper makes no call to slurmctld while the job runs.
 * Only a helper without it (run by hand, or a start recorded by an older
 * autoexp) asks scontrol, retrying when the log path depends on it (a
 * signal ends the retries). What stays unknown is left NULL. */
static void job_facts(worker *w)
{
	const ae_eval_dirs *d = &w->dirs->run;
	int need = !w->o->log_path;
	ae_error err;

	if (d->job_fd >= 0 &&
	    helper_jobinfo_load(d->job_fd, d->job_dir, &w->ji, &err) == 0)
		return;
	if (d->job_fd >= 0 || ae_error_isset(&w->dirs->job_err))
		log_error("job facts from the start's directory (asking "
		          "scontrol instead)",
		          d->job_fd >= 0 ? &err : &w->dirs->job_err);
	if (helper_jobinfo_query(w->o->job_id, (const char *const *)environ,
	                         need ? SCONTROL_TRIES_NEEDED
	                              : SCONTROL_TRIES_OPTIONAL,
	                         w->sfd, &w->ji, &err) < 0 &&
	    need)
		log_error("job information", &err);
}

static int start(worker *w)
{
	ae_journal_state st;
	ae_follow_opts fo;
	ae_engine_opts eo;
	ae_error err;
	size_t dropped = 0;
	int rc, resumed = 0, restored = 0, restarted, loaded;

	memset(&st, 0, sizeof(st));
	/* before the rules are compiled: an action keeps the class it was
	 * compiled with, and the table's RunAutoexpAction only checks */
	if (ae_cooldown_register(&err) < 0 || ae_restart_register(&err) < 0) {
		log_error("action classes", &err);
		return HELPER_EXIT_FATAL;
	}
	if ((rc = load_config(w)) != 0)
		return rc < 0 ? -1 : rc;
	w->journal = ae_journal_openat_resuming(w->provfd, w->o->provenance_dir,
	                                        want_resume, w, &err);
	if (!w->journal) {
		log_error("journal", &err);
		return 1;
	}
	if (ae_journal_stats_get(w->journal).unrecorded)
		helper_log_alert(
		    "journal: %llu record(s) of its opening not written (%s): "
		    "the actions left started are not run again all the same",
		    (unsigned long long)ae_journal_stats_get(w->journal)
		        .unrecorded,
		    err.text); /* why (ae_journal_openat) */
	loaded = ae_journal_state_load(w->journal, &st, &err);
	if (loaded < 0) {
		/* a broken state costs a rescan; the journal keeps it at
		 * most once */
		log_error("state (ignored)", &err);
		memset(&st, 0, sizeof(st));
	}
	job_facts(w);
	w->restart_count = restart_count(&w->ji);
	w->attempt =
	    ae_restart_record_start(w->dirs->run.job_fd, w->restart_count);
	if (make_vars(w) < 0) {
		helper_log("out of memory");
		rc = 1;
		goto out;
	}
	if ((rc = find_log(w, st.log_path)) != 0)
		goto out;
	rc = 1;
	if (make_vars(w) < 0) {
		helper_log("out of memory");
		goto out;
	}
	ae_rules_set_context(w->rules, &w->tctx);

	memset(&fo, 0, sizeof(fo));
	fo.stat_interval_ms = w->o->stat_interval_ms;
	fo.no_inotify = w->o->no_inotify;
	fo.max_line = FOLLOW_MAX_LINE;
	fo.block_size = FOLLOW_BLOCK;
	if (loaded > 0 && st.log_path && !strcmp(st.log_path, w->log_path)) {
		fo.start = &st.pos;
		resumed = 1;
	}
	w->follow = ae_follow_new(w->log_path, &fo, &err);
	if (!w->follow) {
		log_error("log", &err);
		goto out;
	}
	w->saved_pos = ae_follow_position(w->follow);
	w->ej = ae_engine_journal_new(w->journal, w->rules);
	if (!w->ej)
		goto out;
	memset(&eo, 0, sizeof(eo));
	eo.journal = ae_engine_journal_ops();
	eo.journal_ctx = w->ej;
	eo.vars = w->vars;
	eo.config = w->config;
	eo.envp = (const char *const *)environ;
	eo.home = getenv("HOME");
	eo.attempt = w->attempt;
	eo.dirs = &w->dirs->run;
	eo.log = engine_log;
	w->engine = ae_engine_new(w->rules, &eo, &err);
	if (!w->engine) {
		log_error("engine", &err);
		goto out;
	}
	if (make_states(w, st.facts) < 0) {
		helper_log("out of memory");
		goto out;
	}
	if (st.pending) {
		restored = ae_engine_journal_restore(
		    w->ej, w->engine, st.pending, wall_now(), &dropped, &err);
		if (restored < 0) {
			log_error("restoring pending work", &err);
			goto out;
		}
	}
	restarted = resume_started(w);
	if (loaded > 0 && st.log_path && !resumed)
		finish_previous_log(w, &st);
	catch_up_saves(w);
	helper_log("following %s%s (offset %llu, line %llu; %s every %d ms), "
	           "%d pending action(s) restored%s, %d resumed, job %s "
	           "attempt %d",
	           w->log_path, resumed ? " again" : "",
	           (unsigned long long)ae_follow_position(w->follow).offset,
	           (unsigned long long)ae_follow_position(w->follow).line_no,
	           ae_follow_fd(w->follow) >= 0 ? "inotify and a check"
	                                        : "a check",
	           w->o->stat_interval_ms ? w->o->stat_interval_ms : 1000,
	           restored, dropped ? " (some dropped)" : "", restarted,
	           w->o->job_id, w->attempt);
	record_start(w, ae_follow_position(w->follow), resumed, restored,
	             dropped, restarted);
	w->last_save = mono_now();
	rc = 0;
out:
	ae_journal_state_clear(&st);
	return rc;
}

static void cleanup(worker *w)
{
	json_decref(w->resume);
	helper_states_free(w->states);
	ae_engine_free(w->engine);
	ae_engine_journal_free(w->ej);
	ae_follow_free(w->follow);
	ae_journal_free(w->journal);
	ae_rules_free(w->rules);
	ae_node_free(w->vars);
	ae_node_free(w->config);
	helper_jobinfo_clear(&w->ji);
	free(w->log_path);
	if (w->sfd >= 0)
		close(w->sfd);
}

/* Log one record that ae_cooldown_stop_open marked stopped. */
static void stopped(void *ctx, const char *key)
{
	(void)ctx;
	helper_log("cooldown %s was still in flight at the end of the drain: "
	           "recorded as stopped (a requeue of the job resumes it)",
	           key);
}

/* The drain ended with cooldown submissions still in flight: mark their
 * records stopped, logging each. Call after the engine is freed (no action
 * runs) and before the journal is closed. 0 or -1 with err set. */
static int stop_actions(int provfd, const char *prov_dir, ae_error *err)
{
	static const char why[] =
	    "the helper's drain ended (monitoring.drain_timeout_seconds) "
	    "before this submission was done; nothing was submitted, a "
	    "requeue of the job resumes it";

	return ae_cooldown_stop_open(provfd, prov_dir, why, stopped, NULL,
	                             err) < 0
	           ? -1
	           : 0;
}

int helper_worker_run(const helper_opts *o, const helper_dirs *d, int draining)
{
	worker w;
	sigset_t old;
	int rc;

	memset(&w, 0, sizeof(w));
	w.o = o;
	w.dirs = d;
	w.provfd = d->run.prov_fd;
	w.sfd = -1;
	helper_jobinfo_clear(&w.ji);
	if (setup_signals(&w, &old) < 0) {
		helper_log("signals: %s", strerror(errno));
		rc = 1;
		goto out;
	}
	rc = start(&w);
	if (rc < 0) {
		rc = 0; /* nothing to monitor: done */
		goto out;
	}
	if (rc)
		goto out;
	w.term = draining;
	rc = loop(&w);
	if (w.lost) {
		/* the journal is another helper's now: write nothing more */
		log_stats(&w, "exit");
		rc = 0;
		goto out;
	}
	save_state(&w, 1);
	log_stats(&w, "exit");
	if (w.drain_timed_out) {
		ae_error err;

		/* no action runs any more (the loop let the cooldowns'
		 * sbatch end; other children are killed here); the journal
		 * is still locked, so a requeued job's helper cannot be
		 * resuming these records yet */
		ae_engine_free(w.engine);
		w.engine = NULL;
		if (stop_actions(w.provfd, w.o->provenance_dir, &err) < 0)
			log_error("cooldowns in flight", &err);
	}
	if (rc == 0) {
		ae_error err;

		if (ae_journal_record(w.journal, "helper_stopped", NULL, &err) <
		    0)
			log_error("journal", &err);
		helper_log("drained: exiting");
	}
out:
	cleanup(&w);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}
