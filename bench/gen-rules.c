/* gen-rules: N detection rules shaped like Elastic's macOS rules, for the pack benchmark.
 *
 *   gen-rules [--rules N] [--seed S] > rules.ndjson
 *
 * Deterministic. The mix follows elastic/detection-rules' macOS set: EQL process-start rules
 * with lists of process names and arguments and a parent condition (most of them), file rules
 * with path wildcards and extensions, network rules with a destination CIDR and ports, KQL
 * query rules, sequences by host.id or process.entity_id with maxspan, and a few new_terms and
 * threshold rules. Most match nothing in tools/gen-events' case, as most rules of a real pack
 * match nothing on a given day; a few do. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

static const char *pick(const char *const *a, size_t n)
{
	return a[next() % n];
}
#define PICK(a) pick(a, sizeof(a) / sizeof(a[0]))

static const char *const names[] = {
    "osascript",  "curl",          "python3",     "bash",     "sh",    "zsh",    "launchctl", "security", "nscurl",
    "openssl",    "perl",          "ruby",        "xattr",    "chmod", "mkfifo", "nc",        "sqlite3",  "defaults",
    "plutil",     "codesign",      "spctl",       "kextload", "dscl",  "sudo",   "tclsh",     "swift",    "node",
    "osacompile", "screencapture", "systemsetup", "csrutil",  "pkill"};
static const char *const args[] = {"-e",
                                   "-c",
                                   "--silent",
                                   "-fsSL",
                                   "-o",
                                   "load",
                                   "unload",
                                   "-w",
                                   "find-generic-password",
                                   "dump-keychain",
                                   "-d",
                                   "com.apple.quarantine",
                                   "+x",
                                   "-r",
                                   "--decode",
                                   "base64"};
static const char *const parents[] = {"Microsoft Word", "Microsoft Excel", "Safari",    "Google Chrome",
                                      "Terminal",       "launchd",         "osascript", "Finder",
                                      "installer",      "Slack",           "zoom.us",   "python3"};
static const char *const dirs[] = {"/Library/LaunchAgents/",
                                   "/Library/LaunchDaemons/",
                                   "/Users/*/Library/LaunchAgents/",
                                   "/private/tmp/",
                                   "/Library/Application Support/",
                                   "/Users/*/Library/Application Support/com.apple.TCC/",
                                   "/Library/Security/SecurityAgentPlugins/",
                                   "/Library/DirectoryServices/PlugIns/",
                                   "/etc/periodic/",
                                   "/Users/*/.ssh/"};
static const char *const exts[] = {"plist", "dylib", "sh", "py", "app", "kext", "bundle", "dsplug", "zip"};
static const char *const cidrs[] = {"10.0.0.0/8",     "172.16.0.0/12",   "192.168.0.0/16",
                                    "203.0.113.0/24", "198.51.100.0/24", "100.64.0.0/10"};

static void head(int i, const char *type, const char *language, const char *name)
{
	printf("{\"rule_id\":\"bench-%04d\",\"name\":\"%s %d\",\"description\":\"generated\",\"risk_score\":%d,"
	       "\"severity\":\"%s\",\"type\":\"%s\",\"language\":\"%s\",\"interval\":\"5m\",\"from\":\"now-9m\","
	       "\"index\":[\"logs-endpoint.events.*\"],",
	       i, name, i, 21 + (int)(next() % 60), next() % 3 ? "medium" : "high", type, language);
}

/* process where event.type == "start" and process.name in (...) and process.args : (...) */
static void process_rule(int i)
{
	head(i, "eql", "eql", "Process");
	printf("\"query\":\"process where host.os.type == \\\"macos\\\" and event.type in (\\\"start\\\", "
	       "\\\"process_started\\\") and process.name in~ (");
	int n = 2 + (int)(next() % 5);
	for (int k = 0; k < n; k++)
		printf("%s\\\"%s\\\"", k ? ", " : "", PICK(names));
	printf(") and process.args : (");
	n = 1 + (int)(next() % 3);
	for (int k = 0; k < n; k++)
		printf("%s\\\"%s\\\"", k ? ", " : "", PICK(args));
	printf(")");
	if (next() % 2)
		printf(" and process.parent.name : (\\\"%s\\\", \\\"%s\\\")", PICK(parents), PICK(parents));
	printf("\"}\n");
}

static void file_rule(int i)
{
	head(i, "eql", "eql", "File");
	printf("\"query\":\"file where host.os.type == \\\"macos\\\" and event.type != \\\"deletion\\\" and "
	       "file.path : (\\\"%s*.%s\\\", \\\"%s*.%s\\\")",
	       PICK(dirs), PICK(exts), PICK(dirs), PICK(exts));
	if (next() % 2)
		printf(" and not process.executable : (\\\"/usr/libexec/*\\\", \\\"/System/*\\\")");
	printf("\"}\n");
}

static void network_rule(int i)
{
	head(i, "eql", "eql", "Network");
	printf("\"query\":\"network where host.os.type == \\\"macos\\\" and event.type == \\\"start\\\" and "
	       "process.name : (\\\"%s\\\", \\\"%s\\\") and not cidrmatch(destination.ip, \\\"%s\\\", \\\"%s\\\") "
	       "and destination.port in (%d, %d)\"}\n",
	       PICK(names), PICK(names), PICK(cidrs), PICK(cidrs), 1 + (int)(next() % 9000), 443);
}

static void query_rule(int i)
{
	head(i, "query", "kuery", "Query");
	printf("\"query\":\"event.category:process and host.os.type:macos and event.type:start and "
	       "process.name:(%s or %s) and process.args:(%s)\"}\n",
	       PICK(names), PICK(names), PICK(args));
}

static void sequence_rule(int i)
{
	head(i, "eql", "eql", "Sequence");
	int by_entity = next() % 2;
	if (by_entity)
		printf("\"query\":\"sequence by process.entity_id with maxspan=30s [process where event.type == "
		       "\\\"start\\\" and process.name : \\\"%s\\\"] [network where event.type == \\\"start\\\"]\"}\n",
		       PICK(names));
	else
		printf("\"query\":\"sequence by host.id with maxspan=1m [file where event.type != \\\"deletion\\\" and "
		       "file.path : \\\"%s*\\\"] [process where event.type == \\\"start\\\" and process.name : "
		       "\\\"%s\\\"]\"}\n",
		       PICK(dirs), PICK(names));
}

static void new_terms_rule(int i)
{
	head(i, "new_terms", "kuery", "New terms");
	printf("\"query\":\"event.category:process and host.os.type:macos and process.name:%s\","
	       "\"new_terms_fields\":[\"host.id\",\"process.executable\"],\"history_window_start\":\"now-7d\"}\n",
	       PICK(names));
}

static void threshold_rule(int i)
{
	head(i, "threshold", "kuery", "Threshold");
	printf("\"query\":\"event.category:process and host.os.type:macos and process.name:%s\","
	       "\"threshold\":{\"field\":[\"host.id\"],\"value\":20}}\n",
	       PICK(names));
}

int main(int argc, char **argv)
{
	int n = 150;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--rules"))
			n = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--seed"))
			state ^= strtoull(argv[i + 1], NULL, 10) * 0x100000001b3ULL;
	}
	if (n < 1 || n > 100000) {
		fprintf(stderr, "usage: gen-rules [--rules N] [--seed S]\n");
		return 64;
	}
	for (int i = 0; i < n; i++) {
		unsigned k = (unsigned)(next() % 100);
		if (k < 45)
			process_rule(i);
		else if (k < 65)
			file_rule(i);
		else if (k < 75)
			network_rule(i);
		else if (k < 82)
			query_rule(i);
		else if (k < 92)
			sequence_rule(i);
		else if (k < 97)
			new_terms_rule(i);
		else
			threshold_rule(i);
	}
	return ferror(stdout) || fflush(stdout) ? 1 : 0;
}
