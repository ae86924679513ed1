#include <cstring>

#include "evtx/output_program_impl.h"
#include "evtx/render_sink.h"

namespace evtx {
namespace {

// Placeholders point into this block: substitution i at kSentinel + i.
constexpr size_t kSentinelSize = 1u << 16;
const uint8_t kSentinel[kSentinelSize] = {};

void run_general(StepKind kind, const RawValue& v, std::string& out) {
  switch (kind) {
    case StepKind::XmlText: append_value_xml(out, v, false); return;
    case StepKind::XmlAttr: append_value_xml(out, v, true); return;
    default: append_value_json(out, v); return;
  }
}

}  // namespace

RawValue placeholder(uint16_t index, uint8_t type) { return {type, type ? 1u : 0u, kSentinel + index}; }

bool is_placeholder(const RawValue& v) {
  auto p = reinterpret_cast<uintptr_t>(v.data), base = reinterpret_cast<uintptr_t>(kSentinel);
  return p >= base && p < base + kSentinelSize;
}

uint16_t placeholder_index(const RawValue& v) { return static_cast<uint16_t>(v.data - kSentinel); }

void ProgramRecorder::step(const RawValue& v, StepKind general, StepKind string_kind) {
  ProgramStep s;
  s.text_end = static_cast<uint32_t>(p_.text.size());
  s.value = placeholder_index(v);
  s.general = general;
  ValueType t = v.base_type();
  if (v.is_array())
    s.kind = general;
  else if (t == ValueType::String)
    s.kind = string_kind;
  else if (is_integer_type(t))
    s.kind = StepKind::Integer;
  else
    s.kind = general;
  p_.steps.push_back(s);
}

void ProgramRecorder::json_value(const RawValue& v) {
  if (is_placeholder(v))
    step(v, StepKind::JsonValue, StepKind::JsonString);
  else
    append_value_json(p_.text, v);
}

void ProgramRecorder::xml_text(const EventTree& tree, uint32_t node, bool attr, std::string& scratch) {
  uint32_t piece = only_text_piece(tree, node);
  if (piece != kNoNode && is_placeholder(tree[piece].value)) {
    if (attr)
      step(tree[piece].value, StepKind::XmlAttr, StepKind::XmlAttrString);
    else
      step(tree[piece].value, StepKind::XmlText, StepKind::XmlString);
    return;
  }
  TextSink{p_.text}.xml_text(tree, node, attr, scratch);
}

bool compile_program(const EventTree& symbolic, RenderFormat format, OutputProgram& p) {
  p.text.clear();
  p.steps.clear();
  p.usable = false;
  // Each substitution must be the whole text of its element or attribute:
  // then the renderer hands it over as one value, which becomes one step.
  size_t substitutions = 0;
  for (uint32_t n = 0; n < symbolic.size(); ++n) {
    if (symbolic[n].kind != NodeKind::Text || !is_placeholder(symbolic[n].value)) continue;
    if (only_text_piece(symbolic, symbolic[n].parent) != n) return false;
    ++substitutions;
  }
  ProgramRecorder recorder(p);
  if (format == RenderFormat::Json)
    render_json_to(symbolic, recorder);
  else
    render_xml_to(symbolic, recorder);
  // A substitution rendered other than as a value (a JSON key, a Data Name)
  // left no step: its text would depend on the record.
  if (p.steps.size() != substitutions) return false;
  p.text.shrink_to_fit();
  p.usable = true;
  return true;
}

void run_program(const CompiledRecord& r, std::string& out) {
  const OutputProgram& p = *r.program;
  const char* text = p.text.data();
  uint32_t pos = 0;
  for (const ProgramStep& s : p.steps) {
    out.append(text + pos, s.text_end - pos);
    pos = s.text_end;
    const RawValue& v = r.values[s.value];
    switch (s.kind) {
      case StepKind::JsonString: append_json_utf16(out, v.data, v.size); break;
      case StepKind::XmlString: append_xml_utf16(out, v.data, v.size, false); break;
      case StepKind::XmlAttrString: append_xml_utf16(out, v.data, v.size, true); break;
      case StepKind::Integer:
        if (v.size >= fixed_value_size(v.base_type()))
          append_value_text(out, v);
        else
          run_general(s.general, v, out);
        break;
      default: run_general(s.kind, v, out); break;
    }
  }
  out.append(text + pos, p.text.size() - pos);
}

}  // namespace evtx
