// Internal: where the renderers (render_json.cpp, render_xml.cpp) write.
// TextSink appends a record's text; ProgramRecorder (output_program_impl.h)
// records a template's rendering as an output program. One renderer serves
// both, so a program writes exactly what the tree path writes.
#pragma once

#include <string>

#include "evtx/event_tree.h"
#include "evtx/value.h"

namespace evtx {

struct TextSink {
  std::string& out;
  std::string& text() { return out; }
  void json_value(const RawValue& v) { append_value_json(out, v); }
  // An element's text or an attribute's value, escaped.
  void xml_text(const EventTree& tree, uint32_t node, bool attr, std::string& scratch) {
    if (uint32_t piece = only_text_piece(tree, node); piece != kNoNode) {
      append_value_xml(out, tree[piece].value, attr);  // one value: no copy
      return;
    }
    scratch.clear();
    append_node_text(tree, node, scratch);
    append_xml_escaped(out, scratch, attr);
  }
};

template <class Sink>
void render_json_to(const EventTree& tree, Sink& sink);
template <class Sink>
void render_xml_to(const EventTree& tree, Sink& sink);

}  // namespace evtx
