#include "evtx/output_program_impl.h"
#include "evtx/render.h"
#include "evtx/render_sink.h"

namespace evtx {
namespace {

template <class Sink>
void render_node(const EventTree& t, uint32_t n, int depth, Sink& sink, std::string& scratch) {
  std::string& out = sink.text();
  const Node& node = t[n];
  out.append(2 * static_cast<size_t>(depth), ' ');
  if (node.kind == NodeKind::PI) {
    out += "<?";
    append_xml_name(out, node.name);
    if (node.value.size) {
      out += ' ';
      scratch.clear();
      append_value_text(scratch, node.value);
      // "?>" in the data would end the instruction early: the rest would be markup.
      for (size_t i = 0; i < scratch.size(); ++i) {
        out += scratch[i];
        if (scratch[i] == '?' && i + 1 < scratch.size() && scratch[i + 1] == '>') out += ' ';
      }
    }
    out += "?>\n";
    return;
  }
  if (node.kind != NodeKind::Element) return;
  out += '<';
  append_xml_name(out, node.name);
  bool has_elements = false, has_text = false;
  for (uint32_t c = node.first_child; c != kNoNode; c = t[c].next_sibling) {
    const Node& ch = t[c];
    if (ch.kind == NodeKind::Attribute) {
      out += ' ';
      append_xml_name(out, ch.name);
      out += "=\"";
      sink.xml_text(t, c, true, scratch);
      out += '"';
    } else if (ch.kind == NodeKind::Element || ch.kind == NodeKind::PI) {
      has_elements = true;
    } else {
      has_text = true;
    }
  }
  if (!has_elements && !has_text) {
    out += "/>\n";
    return;
  }
  out += '>';
  if (!has_elements) {
    // CDATA content is rendered as escaped text: the same XML information.
    sink.xml_text(t, n, false, scratch);
  } else {
    out += '\n';
    if (has_text) {
      out.append(2 * static_cast<size_t>(depth + 1), ' ');
      sink.xml_text(t, n, false, scratch);
      out += '\n';
    }
    for (uint32_t c = node.first_child; c != kNoNode; c = t[c].next_sibling)
      if (t[c].kind == NodeKind::Element || t[c].kind == NodeKind::PI) render_node(t, c, depth + 1, sink, scratch);
    out.append(2 * static_cast<size_t>(depth), ' ');
  }
  out += "</";
  append_xml_name(out, node.name);
  out += ">\n";
}

}  // namespace

template <class Sink>
void render_xml_to(const EventTree& tree, Sink& sink) {
  thread_local std::string scratch;
  for (uint32_t r : tree.roots()) render_node(tree, r, 0, sink, scratch);
}

template void render_xml_to(const EventTree&, TextSink&);
template void render_xml_to(const EventTree&, ProgramRecorder&);

void render_xml(const EventTree& tree, std::string& out) {
  TextSink sink{out};
  render_xml_to(tree, sink);
}

}  // namespace evtx
