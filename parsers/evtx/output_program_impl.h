// Internal to the reader (binxml.cpp, output_program.cpp, render_*.cpp): what
// an output program holds, and the recorder that writes one while a renderer
// renders a template's symbolic tree (its substitutions as placeholders).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "evtx/event_tree.h"
#include "evtx/output_program.h"
#include "evtx/value.h"

namespace evtx {

// How a step formats its value; decided when the program is compiled, from
// the value's type in the shape the program was compiled for.
enum class StepKind : uint8_t {
  JsonValue,      // any type, as append_value_json
  JsonString,     // a UTF-16 string
  XmlText,        // any type, as element text (escaped)
  XmlAttr,        // any type, as an attribute value (escaped, quotes too)
  XmlString,      // a UTF-16 string as element text
  XmlAttrString,  // a UTF-16 string as an attribute value
  Integer,        // an 8- to 64-bit integer, the same text in JSON and XML
};

struct ProgramStep {
  uint32_t text_end = 0;  // the constant text before the value ends here
  uint16_t value = 0;     // substitution index
  StepKind kind = StepKind::JsonValue;
  StepKind general = StepKind::JsonValue;  // when the value's size does not fit kind
};

struct OutputProgram {
  std::string text;  // constant text, escaped for the format
  std::vector<ProgramStep> steps;
  uint32_t nodes = 0;   // tree nodes the record would cost (the chunk's node budget)
  bool usable = false;  // false: records of this shape are rendered from their tree
};

// Placeholder values stand for substitution `index` in a symbolic tree: the
// type of the value in the compiled shape, data pointing at a sentinel.
RawValue placeholder(uint16_t index, uint8_t type);
bool is_placeholder(const RawValue& v);
uint16_t placeholder_index(const RawValue& v);

// The sink a renderer writes a symbolic tree into (render_sink.h): constant
// text into the program's text, each placeholder as a step.
class ProgramRecorder {
 public:
  explicit ProgramRecorder(OutputProgram& p) : p_(p) {}
  std::string& text() { return p_.text; }
  void json_value(const RawValue& v);
  void xml_text(const EventTree& tree, uint32_t node, bool attr, std::string& scratch);

 private:
  void step(const RawValue& v, StepKind general, StepKind string_kind);
  OutputProgram& p_;
};

// Renders a template's symbolic tree into p. False when a substitution is not
// the whole text of its element or attribute, or stands where the output
// depends on its content (a JSON key): such records are rendered from trees.
bool compile_program(const EventTree& symbolic, RenderFormat format, OutputProgram& p);

}  // namespace evtx
