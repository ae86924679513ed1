#include "timeline/finding_jsonl.h"

#include "evtx/value.h"
#include "pipeline/event_writer.h"

namespace timeline {
namespace {

using norm::Field;
using norm::FieldValue;

void append_value(std::string& out, const FieldValue& v) {
  switch (v.kind) {
    case FieldValue::Kind::Unknown: out += "null"; break;
    case FieldValue::Kind::Int: out += std::to_string(v.i); break;
    default: evtx::append_json_string(out, pipeline::field_text(v)); break;
  }
}

void append_key(std::string& out, const std::string& k) {
  evtx::append_json_string(out, k);
  out += ':';
}

}  // namespace

void append_finding_json(std::string& out, const replay::Finding& f) {
  out += '{';
  append_key(out, "rule_id");
  evtx::append_json_string(out, f.rule_id);
  out += ',';
  append_key(out, "title");
  evtx::append_json_string(out, f.title);
  out += ',';
  append_key(out, "level");
  evtx::append_json_string(out, f.level);
  out += ',';
  append_key(out, "confidence");
  evtx::append_json_string(out, f.confidence());
  out += ',';
  append_key(out, "DeviceName");
  evtx::append_json_string(out, f.device_name);
  out += ',';
  append_key(out, "Timestamp");
  append_value(out, FieldValue::time(f.timestamp));
  out += ',';
  append_key(out, "assumptions");
  out += '[';
  for (size_t i = 0; i < f.assumptions.size(); ++i) {
    if (i) out += ',';
    evtx::append_json_string(out, f.assumptions[i]);
  }
  out += "],";
  append_key(out, "evidence");
  out += '[';
  for (size_t i = 0; i < f.evidence.size(); ++i) {
    const norm::NormalizedEvent& ev = *f.evidence[i].event;
    if (i) out += ',';
    out += '{';
    append_key(out, "stage");
    evtx::append_json_string(out, f.evidence[i].stage);
    out += ',';
    append_key(out, "Timestamp");
    append_value(out, ev[Field::Timestamp]);
    out += ',';
    append_key(out, "SourceFile");
    append_value(out, ev[Field::SourceFile]);
    out += ',';
    append_key(out, "EventRecordID");
    append_value(out, ev[Field::EventRecordID]);
    out += ',';
    append_key(out, "EventID");
    append_value(out, ev[Field::EventID]);
    out += '}';
  }
  out += "],";
  append_key(out, "fields");
  out += '{';
  for (size_t i = 0; i < f.fields.size(); ++i) {
    if (i) out += ',';
    append_key(out, f.fields[i].first);
    append_value(out, f.fields[i].second);
  }
  out += "},";
  append_key(out, "collected");
  out += '{';
  for (size_t i = 0; i < f.collected.size(); ++i) {
    if (i) out += ',';
    append_key(out, f.collected[i].first);
    out += '[';
    for (size_t j = 0; j < f.collected[i].second.size(); ++j) {
      if (j) out += ',';
      append_value(out, f.collected[i].second[j]);
    }
    out += ']';
  }
  out += "}}";
}

}  // namespace timeline
