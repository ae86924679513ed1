// The rules a command runs: --rules (files or folders searched recursively;
// default the installed or source rules/ folder, or $EVTXHUNT_RULES) holding
// the project's rules and Sigma rules, told apart by content, and KQL hunts
// (.kql with a rule header: tables/kql_rule.h); --rule (ids or
// globs: the rules run, and the findings kept). A rule that cannot be loaded
// is named on stderr with file:line and the reason and skipped, unless
// --strict makes it an error; Sigma rules of other products are counted as
// not applicable.
#pragma once

#include <boost/program_options.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rules/rule.h"
#include "sigma/rule_set.h"
#include "sigma/sigma_matcher.h"
#include "tables/kql_rule.h"

namespace cli {

// $EVTXHUNT_RULES, else ../share/evtxhunt/rules next to the binary (an
// installed evtxhunt), else the source tree's rules/.
std::string default_rules_path();

// One rule as `rules list` and the messages name it.
struct RuleListing {
  std::string id, title, level, status, source;  // source: "evtxhunt" or "sigma"
  std::vector<std::string> tags;
  std::string logsource;  // Sigma: product/category/service; project rules: their tables
  std::string file;
  int line = 1;  // where the rule's document starts in its file
  std::string author, description;
};

// Where SigmaHQ's rules are looked for when no --rules is given:
// $EVTXHUNT_SIGMA (empty: nowhere), else $XDG_DATA_HOME/evtxhunt/sigma
// (~/.local/share/evtxhunt/sigma), else share/evtxhunt/sigma beside the
// installed binary. scripts/update-sigma.sh fills it from a SigmaHQ checkout
// and records the commit in its SIGMAHQ_VERSION file.
struct SigmaHome {
  std::string folder;  // found, else the first place looked
  bool found = false;
  bool from_environment = false;
  std::string commit;  // SigmaHQ's, from SIGMAHQ_VERSION (12 digits)
};
SigmaHome sigma_home();

struct RuleOptions {
  std::vector<std::string> paths;
  std::vector<std::string> patterns;  // --rule
  std::string placeholders_file;      // --placeholders: values of Sigma's |expand placeholders
  bool strict = false;
  bool runs_kql = true;  // false: the command does not run .kql rules (timeline), which load() says

  void add_to(boost::program_options::options_description& opts);
  // Loads and selects; on error prints it and returns the exit code.
  std::optional<int> load(const char* command);
  // "N rules: ... loaded, ... skipped (reasons), ... not applicable"
  std::string summary() const;
  // How the Sigma rules' pattern databases were had: compiled (a rule set not
  // run before) or from the cache, and how long it took; "" without Sigma rules.
  std::string patterns_note() const;
  // Without --rules: which SigmaHQ rules ran with the project's, or that none
  // did and how to install them; "" when --rules was given.
  std::string default_rules_note() const;
  // Every rule that runs (project rules selected, then Sigma rules), in load order.
  std::vector<RuleListing> listing() const;
  // The compiled Sigma rules are left in memory when the process ends: freeing
  // every SigmaHQ rule's structures one by one takes ~20 ms, for nothing.
  void keep_until_exit();
  // Sigma rule id -> status (for the tuning's --status).
  std::map<std::string, std::string, std::less<>> statuses() const;

  std::vector<rules::Rule> loaded;  // the project's rules
  std::vector<const rules::Rule*> selected;
  std::vector<tables::KqlRule> kql;  // .kql hunts with a rule header
  std::vector<const tables::KqlRule*> kql_selected;
  std::unique_ptr<sigma::RuleSet> sigma;  // null when no Sigma rule is selected
  std::unique_ptr<sigma::SigmaMatcher> matcher;
  sigma::SetReport sigma_report;
  std::vector<std::string> skipped;    // "file:line: reason" of every rule not loaded
  std::vector<std::string> not_rules;  // YAML files of neither kind
  size_t files = 0;
  std::optional<SigmaHome> default_sigma;  // set when no --rules was given
};

}  // namespace cli
