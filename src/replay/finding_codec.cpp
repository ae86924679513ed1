#include "replay/finding_codec.h"

namespace replay {

void FindingWriter::value(const normalize::FieldValue& v) {
  varint(static_cast<uint64_t>(v.kind));
  if (v.kind == normalize::FieldValue::Kind::String) string(v.s);
  if (v.kind == normalize::FieldValue::Kind::Int || v.kind == normalize::FieldValue::Kind::Time) svarint(v.i);
}

void FindingWriter::event(const normalize::NormalizedEvent& e) {
  varint(static_cast<uint64_t>(e.table));
  uint64_t known = 0;
  for (size_t f = 0; f < normalize::kFieldCount; ++f)
    if (e.fields[f].known()) known |= uint64_t(1) << f;
  varint(known);
  for (size_t f = 0; f < normalize::kFieldCount; ++f)
    if (e.fields[f].known()) value(e.fields[f]);
  varint(static_cast<uint64_t>(e.boot));
  varint(static_cast<uint64_t>(e.time_source));
  svarint(e.time_created);
  string(e.timestamp_note);
  string(e.direction_evidence);
  varint(uint64_t(e.inbound.pending) | uint64_t(e.inbound.source_named_self) << 1 |
         uint64_t(e.inbound.dest_named_self) << 2);
}

void FindingWriter::link_end(const LinkEnd& l) {
  varint(l.source);
  for (const normalize::FieldValue* v : {&l.peer_address, &l.peer_port, &l.local_address, &l.local_port, &l.peer_name})
    value(*v);
  svarint(l.time);
  for (const normalize::FieldValue* v : {&l.process_file, &l.process_command_line, &l.process_account, &l.process_id})
    value(*v);
  string(l.process_record);
}

void FindingWriter::finding(const Finding& f) {
  if (!f.links.empty()) throw FindingCodecError("a finding is written before the cross-host pass, not linked");
  string(f.rule_id);
  string(f.title);
  varint(static_cast<uint64_t>(f.level));
  strings(f.tags);
  strings(f.notes);
  string(f.device_name);
  string(f.device_id);
  svarint(f.timestamp);
  strings(f.assumptions);
  varint(f.evidence.size());
  for (const EvidenceStep& e : f.evidence) {
    string(e.stage);
    varint(e.stage_index);
    event(*e.event);
    varint(e.details.size());
    for (const auto& [name, value] : e.details) {
      string(name);
      string(value);
    }
  }
  varint(f.fields.size());
  for (const auto& [name, v] : f.fields) {
    string(name);
    value(v);
  }
  varint(f.collected.size());
  for (const auto& [name, values] : f.collected) {
    string(name);
    varint(values.size());
    for (const normalize::FieldValue& v : values) value(v);
  }
  varint(f.link_end.has_value());
  if (f.link_end) link_end(*f.link_end);
}

normalize::FieldValue FindingReader::value() {
  normalize::FieldValue v;
  v.kind = small<normalize::FieldValue::Kind>(3, "value kind");
  if (v.kind == normalize::FieldValue::Kind::String) v.s = string();
  if (v.kind == normalize::FieldValue::Kind::Int || v.kind == normalize::FieldValue::Kind::Time) v.i = svarint();
  return v;
}

std::shared_ptr<const normalize::NormalizedEvent> FindingReader::event() {
  charge(sizeof(normalize::NormalizedEvent) + 32);  // and the shared_ptr's control block
  auto e = std::make_shared<normalize::NormalizedEvent>();
  e->table = small<normalize::Table>(normalize::kTableCount - 1, "table");
  uint64_t known = varint();
  if (known >> normalize::kFieldCount) fail("an unknown field");
  for (size_t f = 0; f < normalize::kFieldCount; ++f)
    if (known >> f & 1) {
      e->fields[f] = value();
      if (!e->fields[f].known()) fail("an unknown value marked known");
    }
  e->boot = small<normalize::BootMarker>(static_cast<uint64_t>(normalize::BootMarker::OsStarted), "boot marker");
  e->time_source = small<normalize::TimeSource>(static_cast<uint64_t>(normalize::TimeSource::UtcTime), "time source");
  e->time_created = svarint();
  e->timestamp_note = string();
  e->direction_evidence = string();
  uint64_t hints = small<uint64_t>(7, "inbound hint");
  e->inbound = {(hints & 1) != 0, (hints & 2) != 0, (hints & 4) != 0};
  return e;
}

LinkEnd FindingReader::link_end() {
  LinkEnd l;
  l.source = small<uint64_t>(1, "link side") != 0;
  for (normalize::FieldValue* v : {&l.peer_address, &l.peer_port, &l.local_address, &l.local_port, &l.peer_name})
    *v = value();
  l.time = svarint();
  for (normalize::FieldValue* v : {&l.process_file, &l.process_command_line, &l.process_account, &l.process_id})
    *v = value();
  l.process_record = string();
  return l;
}

Finding FindingReader::finding() {
  charge(sizeof(Finding));
  Finding f;
  f.rule_id = string();
  f.title = string();
  f.level = small<rules::Level>(static_cast<uint64_t>(rules::Level::Critical), "level");
  f.tags = strings();
  f.notes = strings();
  f.device_name = string();
  f.device_id = string();
  f.timestamp = svarint();
  f.assumptions = strings();
  f.evidence.resize(count(sizeof(EvidenceStep)));
  for (EvidenceStep& e : f.evidence) {
    e.stage = string();
    e.stage_index = varint();
    e.event = event();
    e.details.resize(count(sizeof(e.details[0])));
    for (auto& [name, value] : e.details) {
      name = string();
      value = string();
    }
  }
  f.fields.resize(count(sizeof(f.fields[0])));
  for (auto& [name, v] : f.fields) {
    name = string();
    v = value();
  }
  f.collected.resize(count(sizeof(f.collected[0])));
  for (auto& [name, values] : f.collected) {
    name = string();
    values.resize(count(sizeof(normalize::FieldValue)));
    for (normalize::FieldValue& v : values) v = value();
  }
  if (small<uint64_t>(1, "link flag")) f.link_end = link_end();
  return f;
}

}  // namespace replay
