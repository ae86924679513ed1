// The rules a command runs: --rules (files or folders; default the installed
// or source rules/ folder, or $EVTXHUNT_RULES) and --rule (ids or globs, also
// the findings kept). A rule file that does not load is a warning naming it
// (FILE:LINE:COL) and is skipped, unless --strict makes it an error.
#pragma once

#include <boost/program_options.hpp>

#include <optional>
#include <string>
#include <vector>

#include "rules/rule.h"

namespace cli {

// $EVTXHUNT_RULES, else ../share/evtxhunt/rules next to the binary (an
// installed evtxhunt), else the source tree's rules/.
std::string default_rules_path();

struct RuleOptions {
  std::vector<std::string> paths;
  std::vector<std::string> patterns;  // --rule
  bool strict = false;

  void add_to(boost::program_options::options_description& opts);
  // Loads and selects; on error prints it and returns the exit code.
  std::optional<int> load(const char* command);

  std::vector<rules::Rule> loaded;
  std::vector<const rules::Rule*> selected;
  std::vector<rules::RuleError> skipped;  // files that did not load (warnings)
};

}  // namespace cli
