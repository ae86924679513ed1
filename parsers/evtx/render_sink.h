// Internal: where the renderers (render_json.cpp, render_xml.cpp) write.
// TextSink appends a record's text; ProgramRecorder (output_program_impl.h)
// records a template's rendering as an output program. One renderer serves
// both, so a program writes exactly what the tree path writes.
#pragma once

#include <string>

#include "event_tree.h"
#include "value.h"

namespace evtx {

// The node's one text piece when its text is a single Text or CData value;
// kNoNode otherwise (none, several, or a character or entity reference).
inline uint32_t only_text_piece(const EventTree& tree, uint32_t node) {
  uint32_t found = kNoNode;
  for (uint32_t c = tree[node].first_child; c != kNoNode; c = tree[c].next_sibling) {
    NodeKind k = tree[c].kind;
    if (k == NodeKind::CharRef || k == NodeKind::EntityRef) return kNoNode;
    if (k != NodeKind::Text && k != NodeKind::CData) continue;
    if (found != kNoNode) return kNoNode;
    found = c;
  }
  return found;
}

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
