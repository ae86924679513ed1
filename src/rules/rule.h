// A detection rule: documentation, an ordered chain of stages, and how
// findings are summarized. Loaded from YAML (rule_loader.cpp); one file per
// rule in rules/.
//
//   id: ff-t1021.003-dcom
//   title: ...
//   level: high
//   stages:
//     - name: rpc
//       table: network
//       where: LocalPort == 135 and ...
//     - name: dcom
//       table: process
//       where: datetime_diff("second", Timestamp, rpc.Timestamp) between (0 .. 2) and ...
//   summarize:
//     collect: make_set(child.ProcessCommandLine)
//     by: [rpc.Timestamp, DeviceName, LastBootTime]
//
// Keys: id, title, description, author, license, references, attack
// {techniques, tactics}, level, false_positives, blind_spots, considerations,
// deviations, lists {name: file}, assumable [fields], stages [{name, table,
// where, description, optional, level_without}], summarize {collect, by},
// link {side, peer_address, peer_port, local_address, local_port, peer_name,
// time, process}. Required: id, title, level, stages. Any other key is an
// error.
//
// Unknown values weaken a finding, never create one: an event binds a stage
// when its where is true, or unknown only through the rule's `assumable`
// fields while one of the stage's selecting tests (Expression::selects) is
// observed true; the unknown fields become the finding's assumptions.
//
// lists: named lists of strings read from text files beside the rule (one
// value per line, its first word; the rest of the line and lines starting
// with '#' are the entry's documentation), used as `in` items.
// optional: a trailing stage the chain may complete without; the finding's
// level is then the stage's level_without (default: the rule's level).
// link: the finding is one end (source or target) of a movement between
// hosts; the expressions (summarize scope) say what this host saw of the
// other end, so the cross-host pass (replay/link.h) can pair the two ends.
#pragma once

#include <array>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "normalize/normalized_event.h"
#include "rules/expression.h"
#include "rules/level.h"
#include "rules/rule_error.h"

namespace rules {

struct SourcePos {
  std::string file;
  int line = 0;    // 1-based
  int column = 0;  // 1-based
};

struct Stage {
  std::string name;
  normalize::Table table = normalize::Table::Process;  // a table rules can read (its TableInfo::rule_keyword)
  std::string description;
  Expression where;  // compiled with every earlier stage visible
  // Derived from `where` at load time (Expression::time_bounds / join_keys).
  std::vector<TimeBound> time_bounds;
  std::vector<JoinKey> join_keys;
  // The unknown fields this stage's where may rest on (bits of where.fields()):
  // the rule's `assumable` fields. Any other unknown makes the where false.
  UnknownSet assumable_refs = 0;
  bool optional = false;  // the chain may complete without this (trailing) stage
  Level level_without{};  // the finding's level when this optional stage is absent
  SourcePos pos;
};

struct Aggregate {
  enum class Kind : uint8_t { MakeSet, MakeList, Count } kind = Kind::MakeSet;
  std::string name;  // the column name: as written ("make_set(child.ProcessCommandLine)") or its alias
  Expression arg;    // invalid for count()
};

struct SummarizeColumn {
  std::string name;  // as written ("rpc.Timestamp", "DeviceName") or its alias (Alias = expr)
  Expression expr;
};

// One finding per distinct `by` tuple; `collect` aggregates over the chains
// of that finding. Every stage name is visible in summarize. An unqualified
// field reads the last stage whose where clause tests that field unqualified,
// or the last non-optional stage if no where does: in the seed rule LastBootTime is dcom's
// (the boot the rule checked), DeviceId / DeviceName / ProcessCommandLine are
// child's (the host is the same in every stage of a chain). Write stage.Field
// to be explicit.
struct Summarize {
  std::vector<Aggregate> collect;
  std::vector<SummarizeColumn> by;
  std::array<size_t, normalize::kFieldCount> field_stage{};  // where each unqualified field reads
  // The context for evaluating `collect` and `by` on a complete chain
  // (chain[i]: event bound to stage i).
  static EvalContext context(std::span<const normalize::NormalizedEvent* const> chain) {
    return EvalContext{chain.empty() ? nullptr : chain.back(), chain};
  }
};

// One end of a movement between two hosts, as this host's events show it.
// Each expression is evaluated on the finding's first chain (summarize
// scope); an invalid (absent) expression is unknown.
struct Link {
  enum class Side : uint8_t { Source, Target } side = Side::Target;
  Expression peer_address;   // the other host's address as seen here
  Expression peer_port;      // its port (the source's client port, on the target side)
  Expression local_address;  // this host's address used
  Expression local_port;
  Expression peer_name;      // the other host's name, where this host names it (a script)
  Expression time;           // when this end happened
  size_t process_stage = 0;  // the stage whose event names this end's process
};
const char* link_side_name(Link::Side s);  // "source", "target"

struct Attack {
  std::vector<std::string> techniques;  // T1021.003
  std::vector<std::string> tactics;     // Lateral Movement
  // As Sigma writes them (its tags appendix): techniques then tactics,
  // lower case, spaces as dashes: attack.t1021.003, attack.lateral-movement.
  std::vector<std::string> tags() const;
};

struct Rule {
  std::string id;
  std::string title;
  std::string description;
  std::string author;
  std::string license;
  std::vector<std::string> references;
  Attack attack;
  Level level = Level::Medium;
  std::vector<std::string> false_positives;
  std::vector<std::string> blind_spots;
  std::vector<std::string> considerations;
  std::vector<std::string> deviations;  // documented deliberate deviations from the source query
  // Fields a chain may rest on unknown (`assumable:`: Field, or stage.Field
  // for one stage's): reported as assumptions, with a lower confidence.
  std::vector<std::string> assumable;
  std::map<std::string, std::vector<std::string>> lists;  // name -> values (lists:)
  std::vector<Stage> stages;
  Summarize summarize;
  std::optional<Link> link;
  SourcePos pos;  // the file, line 1

  // Index of a stage by name, or -1.
  int stage_index(std::string_view name) const;
};

struct LoadResult {
  std::vector<Rule> rules;  // the rules that loaded without error, in path order
  std::vector<RuleError> errors;
  bool ok() const { return errors.empty(); }
};

// A rule file, or every *.yml / *.yaml file below a directory (sorted by
// path). A file with any error contributes no rule; duplicate ids are errors.
LoadResult load_rules(const std::filesystem::path& file_or_dir);
// One rule from text; `file_name` only names it in errors.
LoadResult load_rule_text(std::string_view yaml_text, const std::string& file_name);

// The rules with the given ids, in the order asked; an unknown id is an error
// (file = the id, line 0). An empty id list selects every rule.
std::vector<const Rule*> select_rules(const std::vector<Rule>& rules, const std::vector<std::string>& ids,
                                      std::vector<RuleError>& errors);

}  // namespace rules
