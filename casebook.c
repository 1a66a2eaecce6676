/* casebook: the program. The command line lives in cli/ (cli/commands.c has the command
 * table); main runs it and then makes sure that what it wrote to stdout got there. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/diag.h"

/* A failed write is an error, stdout included (a full disk, a closed pipe, /dev/full): what
 * stdio buffered is flushed and checked before casebook says it succeeded. */
static int finish_stdout(int rc)
{
	errno = 0;
	int flush_failed = fflush(stdout) != 0;
	int err = errno;
	if (flush_failed || ferror(stdout)) {
		diag("casebook: writing to standard output failed: %s\n",
		     err ? strerror(err) : "an earlier write failed");
		fclose(stdout);
		return rc ? rc : 1;
	}
	if (fclose(stdout) != 0) {
		diag("casebook: writing to standard output failed: %s\n", strerror(errno));
		return rc ? rc : 1;
	}
	return rc;
}

int main(int argc, char **argv)
{
	return finish_stdout(cli_main(argc, argv));
}
