/* kibana: the alerts Kibana already raised. An analyst's export from Elasticsearch often holds
 * documents of .alerts-security.alerts-* beside the events; after an ingest, each one becomes a
 * casebook alert with its rule (stored disabled: Kibana ran it; it never shadows a rule the
 * analyst or the pack brings), severity, risk, reason and source event (kibana.alert.ancestors,
 * when the case holds it; else the alert document itself). A document is a claim, not the
 * analyst: the alert's uuid is ALERT_IMPORTED_PREFIX and Kibana's (looked up exactly, never as
 * a prefix), apart from every alert detect raises, and its workflow status is set on it alone
 * through triage/record.h, audited by Kibana's user marked "kibana:". `export --format
 * kibana-status` writes the statuses back under Kibana's uuids. */
#ifndef CASEBOOK_KIBANA_H
#define CASEBOOK_KIBANA_H

#include <stdint.h>
#include <stdio.h>

#include "common/diag.h"
#include "store/store.h"

struct kibana_counts {
	unsigned added, known, skipped; /* new alerts; uuids stored already; documents not usable */
};

/* Imports the Kibana alerts among the events stored after after_id. Problems go to warn.
 * Returns 0 or -1 (store_errmsg). */
int kibana_alerts_import(struct store *s, int64_t after_id, int64_t now_us, const struct diag_sink *warn,
                         struct kibana_counts *c);

#endif
