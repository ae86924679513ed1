#include "cli/report_output.h"
#include "cli/messages.h"

#include <cctype>
#include <cstdio>

#include "cli/exit_codes.h"
#include "report/report.h"
#include "rules/rule.h"
#include "text/ascii_case.h"

namespace po = boost::program_options;

namespace cli {
namespace {

// ATT&CK ids and tactics from Sigma tags: attack.t1021.003 -> T1021.003,
// attack.lateral-movement -> lateral-movement.
void attack_of_tags(const std::vector<std::string>& tags, report::RuleInfo& r) {
  const std::string prefix = "attack.";
  for (const std::string& tag : tags) {
    if (tag.rfind(prefix, 0) != 0) continue;
    std::string rest = tag.substr(prefix.size());
    bool technique =
        rest.size() > 1 && (rest[0] == 't' || rest[0] == 'T') && std::isdigit(static_cast<unsigned char>(rest[1]));
    if (technique) {
      text::upper_in_place(rest);
      r.techniques.push_back(rest);
    } else {
      r.tactics.push_back(rest);
    }
  }
}

// What every kind of rule tells the report about itself.
report::RuleInfo rule_info(const std::string& id, const std::string& title, const std::string& description,
                           const char* source, rules::Level level) {
  report::RuleInfo r;
  r.id = id;
  r.title = title;
  r.description = description;
  r.source = source;
  r.level = level;
  return r;
}

std::vector<report::RuleInfo> rule_infos(const RuleOptions& opts) {
  std::vector<report::RuleInfo> out;
  for (const rules::Rule* rule : opts.selected) {
    report::RuleInfo r = rule_info(rule->id, rule->title, rule->description, "evtxhunt", rule->level);
    r.techniques = rule->attack.techniques;
    r.tactics = rule->attack.tactics;
    r.false_positives = rule->false_positives;
    r.references = rule->references;
    out.push_back(std::move(r));
  }
  for (const tables::KqlRule* rule : opts.kql_selected) {
    report::RuleInfo r = rule_info(rule->id, rule->title, rule->description, "kql", rule->level);
    attack_of_tags(rule->tags, r);
    out.push_back(std::move(r));
  }
  if (opts.sigma)
    for (uint32_t i = 0; i < opts.sigma->size(); ++i) {
      const sigma::Rule& rule = opts.sigma->rule(i);
      report::RuleInfo r = rule_info(rule.id.empty() ? rule.name : rule.id, rule.title, rule.description, "sigma",
                                     rule.level.value_or(rules::Level::Medium));
      attack_of_tags(rule.tags, r);
      r.false_positives = rule.falsepositives;
      r.references = rule.references;
      out.push_back(std::move(r));
    }
  return out;
}

}  // namespace

void ReportOptions::add_to(po::options_description& opts) {
  opts.add_options()("report", po::value(&path),
                     "also write an HTML report to this file: what was read, findings by level, rule and host, a "
                     "time chart per host, movement between hosts, each finding's evidence chain (one "
                     "self-contained file)");
}

std::optional<int> ReportOptions::open(const char* command, const std::vector<std::string>& inputs,
                                       const std::string& output) {
  if (!wanted()) return std::nullopt;
  if (path == "-" || path == output) {
    message(stderr, "evtxhunt %s: --report: needs a file of its own, not %s\n", command,
            path == "-" ? "stdout" : "the -o output");
    return kCannotWrite;
  }
  try {
    file_ = std::make_unique<output::OutputFile>(path, inputs);
  } catch (const output::OutputError& e) {
    message(stderr, "evtxhunt %s: --report: %s\n", command, e.what());
    return kCannotWrite;
  }
  return std::nullopt;
}

pipeline::RecordObserver* ReportOptions::integrity_observer() {
  if (!wanted()) return nullptr;
  if (!integrity_) integrity_ = std::make_unique<metrics::MetricsObserver>(metrics::MetricsOptions{});
  return integrity_.get();
}

std::optional<int> ReportOptions::write(const char* command, const std::vector<std::string>& inputs,
                                        const pipeline::Evidence& evidence,
                                        const std::vector<replay::Finding>& findings, const RuleOptions& rules,
                                        bool quiet) {
  if (!file_) return std::nullopt;
  report::ReportInput in;
  in.command = command;
  in.version = EVTXHUNT_VERSION;
  in.inputs = inputs;
  in.evidence = &evidence;
  in.findings = &findings;
  in.rules = rule_infos(rules);
  metrics::Metrics integrity;
  if (integrity_) {
    integrity = integrity_->finish(evidence.files);
    in.integrity = &integrity;
  }
  try {
    file_->write(report::render_html(in));
    file_->commit();
  } catch (const output::OutputError& e) {
    message(stderr, "evtxhunt %s: --report: %s\n", command, e.what());
    return kCannotWrite;
  }
  if (!quiet) message(stderr, "evtxhunt %s: report written to %s\n", command, path.c_str());
  return std::nullopt;
}

}  // namespace cli
