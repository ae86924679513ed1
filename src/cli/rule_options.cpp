#include "cli/rule_options.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "cli/exit_codes.h"
#include "pipeline/filters.h"

namespace po = boost::program_options;

namespace cli {

std::string default_rules_path() {
  if (const char* env = std::getenv("EVTXHUNT_RULES"); env && *env) return env;
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    std::filesystem::path installed = exe.parent_path().parent_path() / "share" / "evtxhunt" / "rules";
    if (std::filesystem::is_directory(installed, ec)) return installed.string();
  }
  return EVTXHUNT_DEFAULT_RULES;
}

void RuleOptions::add_to(po::options_description& opts) {
  opts.add_options()("rules", po::value(&paths),
                     ("rule file or folder (repeatable; default " + default_rules_path() + ")").c_str())(
      "rule", po::value(&patterns), "run only rules with this id (repeatable; glob); keep only their findings")(
      "strict", po::bool_switch(&strict), "a rule file that does not load is an error (exit 7), not a warning");
}

std::optional<int> RuleOptions::load(const char* command) {
  if (paths.empty()) paths.push_back(default_rules_path());
  for (const std::string& p : paths) {
    rules::LoadResult r = rules::load_rules(p);
    for (rules::Rule& rule : r.rules) loaded.push_back(std::move(rule));
    for (rules::RuleError& e : r.errors) skipped.push_back(std::move(e));
  }
  for (const rules::RuleError& e : skipped)
    std::fprintf(stderr, "evtxhunt %s: %s%s\n", command, strict ? "" : "rule skipped: ", e.str().c_str());
  if (strict && !skipped.empty()) return kBadRules;
  bool bad = false;
  for (const std::string& pat : patterns) {
    bool any = false;
    for (const rules::Rule& r : loaded) any |= pipeline::glob_match(pat, r.id);
    if (!any) {
      std::fprintf(stderr, "evtxhunt %s: no rule matches '%s'\n", command, pat.c_str());
      bad = true;
    }
  }
  if (bad) return kBadRules;
  for (const rules::Rule& r : loaded) {
    bool keep = patterns.empty();
    for (const std::string& pat : patterns) keep |= pipeline::glob_match(pat, r.id);
    if (keep) selected.push_back(&r);
  }
  return std::nullopt;
}

}  // namespace cli
