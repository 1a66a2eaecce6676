/* alertpipe: a detect run's writes on a second thread. The pass (reading events, evaluating
 * rules) stays on the caller's thread; storing the alerts, the rules' detection states and the
 * transactions around them goes to a writer thread with its own connection to the case, in
 * the order the caller asked, through a bounded queue (the memory is a few batches', not the
 * input's). An alert may come with a job that makes its document on the writer, before it is
 * stored (alert_pipe_add_job): the caller's thread then only copies what the job reads. While
 * the caller would wait for the writer (the queue full, or at the end), it makes the documents
 * of the jobs queued last instead, so both threads work until the writer is done.
 *
 * A transaction the caller begins, fills and commits here is the writer's: a rule's state and
 * its alerts still commit together. Transactions queued back to back commit as one while it is
 * younger than 2 s (group commit), each joining in a savepoint: a rollback, or the writer
 * failing, still undoes that one alone. When the writer fails, it rolls back, does nothing more, and every
 * later call returns -1; alert_pipe_close gives its message to the caller's store.
 *
 * Internal to detect/. */
#ifndef CASEBOOK_ALERTPIPE_H
#define CASEBOOK_ALERTPIPE_H

#include <stddef.h>
#include <stdint.h>

#include "common/jsonarena.h"
#include "store/alerts.h"
#include "store/checkpointer.h"
#include "store/store.h"

struct alert_pipe;

/* Opens a second connection to s's case and starts the writer, whose queue holds batches while
 * they hold less than queue_bytes (0: 8 MiB); its commits leave their checkpoints to
 * checkpointer when there is one. 0, or -1 (store_errmsg(s)). */
int alert_pipe_open(struct store *s, size_t queue_bytes, struct store_checkpointer *checkpointer,
                    struct alert_pipe **out);
/* What store_begin, store_alert_add (a copy of a is taken), store_set_detection_state,
 * store_commit and store_rollback do, queued for the writer. 0, or -1 once the writer has
 * failed. Meanwhile the case's connection reads in a transaction (store_begin_read) that
 * alert_pipe_commit and alert_pipe_rollback end: its reads cost what they did in the
 * transaction that wrote. */
int alert_pipe_begin(struct alert_pipe *p);
int alert_pipe_add(struct alert_pipe *p, const struct alert_record *a);
/* What makes an alert's document on the writer: make fills a's doc, reason, severity, risk score
 * and rule name from job, building in arena (a cJSON arena of the maker's, reset once the alert
 * is stored), and returns 1, or 0 when there is no alert to store (its event is not JSON); drop
 * releases job, made or not. Everything job points to must be its own or unchanging until the
 * pipe is closed: the writer reads it while the caller goes on. The caller's thread makes some
 * documents too while it would otherwise wait for the writer: maker is 0 on the writer, 1 on
 * the caller's thread (two jobs of one rule may be made at once, one by each). */
#define ALERT_MAKERS 2
struct alert_job_ops {
	int (*make)(void *job, struct json_arena *arena, int maker, struct alert_record *a);
	void (*drop)(void *job);
};
/* Memory for a job, from the batch being filled: freed with it once the writer is done (after
 * drop), so the job must be queued (alert_pipe_add_job) before anything else is, or dropped.
 * Aligned for any type. */
void *alert_pipe_alloc(struct alert_pipe *p, size_t bytes);
/* alert_pipe_add of a record whose document job makes: a's other fields copied as there, the
 * job's bytes (job_bytes) counted against the queue's bound. 0, or -1 once the writer has
 * failed (job dropped either way). */
int alert_pipe_add_job(struct alert_pipe *p, const struct alert_record *a, const struct alert_job_ops *ops, void *job,
                       size_t job_bytes);
int alert_pipe_set_state(struct alert_pipe *p, int64_t rule_key, int64_t max_id);
int alert_pipe_commit(struct alert_pipe *p);
void alert_pipe_rollback(struct alert_pipe *p);
/* store_savepoint, store_savepoint_release and store_savepoint_rollback, queued likewise. */
int alert_pipe_savepoint(struct alert_pipe *p);
int alert_pipe_savepoint_release(struct alert_pipe *p);
int alert_pipe_savepoint_rollback(struct alert_pipe *p);
/* Whether the uuid was queued in a transaction not known to be committed yet (committed, the
 * case's connection finds it; rolled back, it is not here). */
int alert_pipe_pending(struct alert_pipe *p, const char *uuid);
/* Waits for the writer to finish what was queued and closes it: 0, or -1 with the writer's
 * message recorded on s. *created counts the alerts it stored in committed transactions,
 * *made_waiting the documents the caller's thread made. */
int alert_pipe_close(struct alert_pipe *p, struct store *s, uint64_t *created, uint64_t *made_waiting);

#endif
