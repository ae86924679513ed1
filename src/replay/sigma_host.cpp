#include "replay/sigma_host.h"

#include <algorithm>

#include "sigma/logsources.h"

namespace replay {
namespace {

using normalize::Field;
using normalize::FieldValue;

}  // namespace

std::shared_ptr<const normalize::NormalizedEvent> evidence_event(const pipeline::StreamEvent& se,
                                                                 const pipeline::Evidence& evidence,
                                                                 const pipeline::Host& host) {
  if (se.norm) return se.norm;
  // A record no mapper took: its provenance is its evidence.
  auto ev = std::make_shared<normalize::NormalizedEvent>();
  store::EventView view(se.raw, evidence.store.pool());
  ev->table = normalize::Table::Other;
  (*ev)[Field::Timestamp] = FieldValue::time(se.header.timestamp);
  (*ev)[Field::DeviceName] = FieldValue::str(std::string(view.computer()));
  (*ev)[Field::DeviceId] = FieldValue::str(host.key);
  (*ev)[Field::SourceFile] = FieldValue::str(evidence.store.file(se.header.file_id));
  (*ev)[Field::EventRecordID] = FieldValue::integer(static_cast<int64_t>(se.header.record_id));
  (*ev)[Field::Provider] = FieldValue::str(std::string(view.provider()));
  (*ev)[Field::Channel] = FieldValue::str(std::string(view.channel()));
  (*ev)[Field::EventID] = FieldValue::integer(se.header.event_id);
  ev->time_created = se.header.time_created;
  ev->origin = {se.header.file_id, se.header.ordinal};
  return ev;
}

SigmaHost::SigmaHost(const sigma::RuleSet& set, const pipeline::Evidence& evidence, const pipeline::Host& host)
    : set_(set), evidence_(evidence), host_(host), scratch_(set.scratch()), correlator_(set) {}

SigmaHost::~SigmaHost() = default;

void SigmaHost::on_event(const pipeline::StreamEvent& se, const ProcessTable& table) {
  if (!(se.header.flags & store::kRuleMatches)) return;
  store::EventView view(se.raw, evidence_.store.pool());
  view.rule_matches(matched_, deferred_);
  sigma::EventSource src(view);
  std::vector<std::string> notes;
  if (!deferred_.empty() && se.norm && se.norm->table == normalize::Table::Process) {
    // The parent as the process table knows it: its image and command line.
    const normalize::FieldValue& parent_id = (*se.norm)[Field::InitiatingProcessUniqueId];
    const ProcessInstance* parent = parent_id.known() ? table.instance(parent_id.s) : nullptr;
    if (parent) {
      auto add = [&](const char* field, const normalize::FieldValue& v) {
        if (!v.known() || src.text(field)) return;
        src.add(field, v.s);
        notes.push_back(std::string(field) + " from the process table (" + (parent->sysmon ? "Sysmon 1" : "4688") +
                        " of the parent, PID " + std::to_string(parent->pid) + ")");
      };
      add("ParentProcessName", parent->folder_path);
      add("ParentCommandLine", parent->command_line);
    } else if (!se.norm->parent_note.empty()) {
      notes.push_back(se.norm->parent_note);
    }
  }
  std::vector<std::pair<uint32_t, bool>> hits;  // rule, through the process table
  for (uint32_t r : matched_) hits.emplace_back(r, false);
  if (!deferred_.empty()) {
    set_.rematch(deferred_, view.provider(), view.channel(), se.header.event_id, src, *scratch_, rematched_);
    for (uint32_t r : rematched_) hits.emplace_back(r, true);
  }
  if (hits.empty()) return;
  std::sort(hits.begin(), hits.end());
  std::shared_ptr<const normalize::NormalizedEvent> ev = evidence_event(se, evidence_, host_);
  for (const auto& [rule, enriched] : hits) {
    if (set_.standalone(rule)) add_detection(rule, ev, src, enriched ? notes : std::vector<std::string>{});
    add_hits(correlator_.on_match(rule, se.header.timestamp, src, ev));
  }
}

void SigmaHost::add_detection(uint32_t rule, const std::shared_ptr<const normalize::NormalizedEvent>& ev,
                              sigma::FieldSource& src, std::vector<std::string> notes) {
  const sigma::Rule& r = set_.rule(rule);
  Finding f;
  f.rule_id = r.id;
  f.title = r.title;
  f.level = r.level.value_or(rules::Level::Medium);
  f.tags = r.tags;
  f.notes = std::move(notes);
  f.device_name = (*ev)[Field::DeviceName].s;
  f.device_id = host_.key;
  f.timestamp = ev->timestamp();
  f.evidence.push_back({"match", ev, 0, {}});
  for (const std::string& field : set_.tested_fields(rule)) {
    // A list field (a classic event's Data items) shows each value, " | " between.
    std::optional<std::string> text;
    auto take = [&](std::string_view v) { text = text ? *text + " | " + std::string(v) : std::string(v); };
    src.for_each_text(field, take);
    if (!text) src.for_each_text(sigma::record_field_name(field, static_cast<uint16_t>((*ev)[Field::EventID].i)), take);
    if (text) f.fields.emplace_back(field, FieldValue::str(std::move(*text)));
  }
  findings_.push_back(std::move(f));
}

void SigmaHost::add_hits(std::vector<sigma::Hit> hits) {
  for (sigma::Hit& h : hits) {
    const sigma::Rule& r = set_.rule(h.rule);
    Finding f;
    f.rule_id = r.id;
    f.title = r.title;
    std::optional<rules::Level> level = r.level;
    if (!level)  // the highest level of the rules it correlates
      for (const std::string& name : r.correlation.rules) {
        int i = set_.find(name);
        std::optional<rules::Level> l = i >= 0 ? set_.rule(static_cast<uint32_t>(i)).level : std::nullopt;
        if (l && (!level || *l > *level)) level = l;
      }
    f.level = level.value_or(rules::Level::Medium);
    f.tags = r.tags;
    f.device_id = host_.key;
    f.timestamp = h.first;
    for (const sigma::Piece& p : h.pieces) {
      const std::shared_ptr<const normalize::NormalizedEvent>& ev = p.event;
      if (!ev) continue;
      const sigma::Rule& base = set_.rule(p.rule);
      f.evidence.push_back({base.name.empty() ? base.id : base.name, ev, 0, {}});
      if (f.device_name.empty()) f.device_name = (*ev)[Field::DeviceName].s;
    }
    for (const auto& [field, value] : h.group) f.fields.emplace_back(field, FieldValue::str(value));
    f.fields.emplace_back(
        r.correlation.type == sigma::Correlation::Type::ValueCount ? "distinct " + r.correlation.field : "count",
        FieldValue::integer(static_cast<int64_t>(h.count)));
    findings_.push_back(std::move(f));
  }
}

std::vector<Finding> SigmaHost::finish() {
  add_hits(correlator_.finish());
  return std::move(findings_);
}

}  // namespace replay
