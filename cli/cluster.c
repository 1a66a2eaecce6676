/* cluster: `casebook cluster init URL... [--cluster NAME]` - casebook's tables in a ClickHouse
 * cluster (cluster/cluster.h). It needs no case file. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cluster/cluster.h"
#include "cluster/load.h"
#include "common/diag.h"

static int cluster_init_command(int argc, char **argv)
{
	const char *name = CLUSTER_DEFAULT_NAME;
	const char *urls[CLUSTER_URLS_MAX];
	size_t n = 0;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--cluster")) {
			if (++i >= argc)
				return command_usage_error("cluster",
				                           "--cluster takes the name of a remote_servers entry");
			name = argv[i];
		} else if (!strncmp(argv[i], "--cluster=", 10)) {
			name = argv[i] + 10;
		} else if (argv[i][0] == '-') {
			return command_usage_error("cluster", "unknown option");
		} else if (n == CLUSTER_URLS_MAX) {
			return command_usage_error("cluster", "at most 64 servers");
		} else {
			urls[n++] = argv[i];
		}
	}
	if (n == 0)
		return command_usage_error("cluster", "name each shard's HTTP URL (http://HOST:8123/)");
	struct diag_sink say = {diag_to_stream, stdout};
	struct strbuf err;
	strbuf_init(&err, 128);
	int rc = cluster_init(urls, n, name, NULL, &say, &err);
	if (rc != 0)
		diag("casebook cluster: %s\n", err.buf);
	strbuf_release(&err);
	return rc ? 1 : 0;
}

int cmd_cluster(struct globals *g, int argc, char **argv)
{
	(void)g;
	if (argc >= 2 && !strcmp(argv[1], "init"))
		return cluster_init_command(argc, argv);
	return command_usage_error("cluster", "say init");
}

int cmd_ingest_to_cluster(int argc, char **argv)
{
	const char *url = NULL;
	int first = 0, dashdash = 0;
	for (int i = 1; i < argc; i++) {
		if (!dashdash && !strcmp(argv[i], "--to")) {
			if (++i >= argc)
				return command_usage_error("ingest", "--to takes a ClickHouse server's HTTP URL");
			url = argv[i];
		} else if (!dashdash && !strncmp(argv[i], "--to=", 5)) {
			url = argv[i] + 5;
		} else if (!dashdash && !strcmp(argv[i], "--")) {
			dashdash = 1;
		} else if (!dashdash && argv[i][0] == '-' && argv[i][1] != '\0') {
			return command_usage_error("ingest", "unknown option");
		} else if (!first) {
			first = i;
		}
	}
	if (!first)
		return command_usage_error("ingest", "name at least one FILE, or - for standard input");
	struct strbuf err;
	strbuf_init(&err, 128);
	struct cluster_loader *l;
	if (cluster_loader_open(url, NULL, &l, &err) != 0) {
		diag("casebook ingest: %s\n", err.buf);
		strbuf_release(&err);
		return 1;
	}
	struct diag_sink say = diag_stderr_sink();
	struct cluster_load_counts c = {0};
	int unreadable = 0, failed = 0;
	dashdash = 0;
	for (int i = first; i < argc && !failed; i++) {
		if (!dashdash && !strcmp(argv[i], "--")) {
			dashdash = 1;
			continue;
		}
		if (!dashdash && (!strcmp(argv[i], "--to") || !strncmp(argv[i], "--to=", 5))) {
			i += argv[i][4] == '\0';
			continue;
		}
		struct stat st;
		if (strcmp(argv[i], "-") && stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			diag("%s: a directory: name its files (a cluster load reads files and standard input)\n",
			     argv[i]);
			unreadable = 1;
			continue;
		}
		int rc = cluster_load_path(l, argv[i], &say, &c, &err);
		if (rc < 0) {
			diag("casebook ingest: %s\n", err.buf);
			failed = 1;
		} else if (rc > 0) {
			unreadable = 1;
		}
	}
	printf("%llu documents: %llu added, %llu duplicate, %llu rejected\n", (unsigned long long)c.documents,
	       (unsigned long long)c.added, (unsigned long long)c.duplicates, (unsigned long long)c.rejected);
	cluster_loader_close(l);
	strbuf_release(&err);
	return failed || unreadable ? 1 : c.rejected ? 2 : 0;
}
