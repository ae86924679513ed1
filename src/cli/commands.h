// The subcommands: each takes its arguments (after the subcommand name) and
// returns an exit code (exit_codes.h).
#pragma once

#include <string>
#include <vector>

namespace cli {

int run_dump(const std::vector<std::string>& args);
int run_normalize(const std::vector<std::string>& args);
int run_scan(const std::vector<std::string>& args);
int run_convert(const std::vector<std::string>& args);
int run_timeline(const std::vector<std::string>& args);
int run_inventory(const std::vector<std::string>& args);
int run_rules(const std::vector<std::string>& args);
int run_merge(const std::vector<std::string>& args);
int run_search(const std::vector<std::string>& args);
int run_pivot(const std::vector<std::string>& args);
int run_logons(const std::vector<std::string>& args);
int run_metrics(const std::vector<std::string>& args);
int run_query(const std::vector<std::string>& args);

// The commands in the order the top-level help lists them: the one list
// dispatch (main.cpp), the help, the man page and the shell completion
// (both read the help) come from.
struct Command {
  const char* name;
  int (*run)(const std::vector<std::string>& args);
  const char* summary;  // one line of the top-level help
};
inline constexpr Command kCommands[] = {
    {"scan", run_scan, "hunt: replay each host's events through the rules, write the findings"},
    {"timeline", run_timeline, "every event of every record, in time order across hosts, tagged with findings"},
    {"inventory", run_inventory, "what was read: per file its hosts, channels, records, time span, damage"},
    {"search", run_search, "the records holding keywords, regular expressions or field values, as timeline rows"},
    {"pivot", run_pivot, "the accounts, hosts, addresses, processes, hashes the findings touch, to grep for"},
    {"logons", run_logons, "who logged on where, from where, how; failed logons with the reason"},
    {"metrics", run_metrics, "records per host, channel, event id; log integrity: gaps, cleared logs, stops"},
    {"query", run_query, "a KQL hunt as written for Defender or Sentinel, over tables built from the evidence"},
    {"rules", run_rules, "rules check|list|show: compile rule files, list the rules that run, show one"},
    {"dump", run_dump, "print the records of EVTX files as JSON lines or XML"},
    {"normalize", run_normalize, "print the normalized events of EVTX and XML inputs (processes, logons, ...)"},
    {"convert", run_convert, "write XML event exports into an EVTX file"},
    {"merge", run_merge, "merge the shards of a batch scan (scripts/evtxhunt-dask) into scan's output"},
};

}  // namespace cli
