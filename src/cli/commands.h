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

}  // namespace cli
