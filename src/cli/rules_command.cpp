// evtxhunt rules check PATH...: loads rule files (the project's and Sigma)
// exactly as scan would, compiles them, and reports what would run, what
// was skipped and why, without reading any evidence.
#include <boost/program_options.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/messages.h"
#include "cli/options.h"
#include "cli/rule_options.h"

namespace po = boost::program_options;

namespace cli {

int run_rules(const std::vector<std::string>& args) {
  if (args.empty() || (args[0] != "check" && args[0] != "--help" && args[0] != "-h")) {
    message(stderr, "usage: evtxhunt rules check [options] PATH...\n");
    return kUsage;
  }
  po::options_description opts(
      "usage: evtxhunt rules check [options] PATH...\n\n"
      "Loads and compiles the rule files under PATH (files or folders, searched\n"
      "recursively), the project's rules and Sigma rules, as scan would. Each\n"
      "rule that cannot be used is named on stderr with file:line and the\n"
      "reason; the summary counts rules loaded, skipped and not applicable (log\n"
      "sources of other products, by reason), and names the rules that do not\n"
      "run because their |expand placeholders have no values (--placeholders).\n"
      "Exit 7 if any rule is skipped.\n\noptions");
  po::variables_map vm;
  RuleOptions rules;
  opts.add_options()("help,h", "show this help")("placeholders",
                                                 po::value(&rules.placeholders_file)->value_name("FILE"),
                                                 "values of Sigma |expand placeholders (YAML: name -> list of values)");
  std::vector<std::string> rest(args.begin() + (args[0] == "check" ? 1 : 0), args.end());
  if (auto done = parse_command_line({"rules check", "rule path", kExitCodesHelp}, rest, opts, vm, rules.paths))
    return *done;
  if (auto code = rules.load("rules check")) return *code;
  message(stdout, "%s\n", rules.summary().c_str());
  for (const auto& [reason, n] : rules.sigma_report.not_applicable)
    message(stdout, "not applicable: %zu rules: %s\n", n, reason.c_str());
  for (const sigma::LoadError& e : rules.sigma_report.needs_values) message(stdout, "not run: %s\n", e.str().c_str());
  return rules.skipped.empty() ? kOk : kBadRules;
}

}  // namespace cli
