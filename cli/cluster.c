/* cluster: `casebook cluster init URL... [--cluster NAME]` - casebook's tables in a ClickHouse
 * cluster (cluster/cluster.h). It needs no case file. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cluster/cluster.h"
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
