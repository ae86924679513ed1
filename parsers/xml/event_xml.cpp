#include "xml/event_xml.h"

#include <pugixml.hpp>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace xmlin {
namespace {

// Parse options: element text and attribute values are kept byte for byte
// (no end-of-line or attribute whitespace normalization), so values read
// from an export or from libevtx's rendering match the values in the BinXML.
// Whitespace-only text is kept only when it is an element's sole content
// (<Data>  </Data>), never between elements. Several top-level elements
// (wevtutil's bare <Event> sequence) are accepted.
constexpr unsigned kParseOptions =
    pugi::parse_cdata | pugi::parse_escapes | pugi::parse_pi | pugi::parse_ws_pcdata_single | pugi::parse_fragment;

// An element's local name (a namespace prefix dropped).
std::string_view local_name(const char* name) {
  std::string_view s(name);
  size_t colon = s.find(':');
  return colon == std::string_view::npos ? s : s.substr(colon + 1);
}

bool whitespace_only(const char* s) {
  for (; *s; ++s)
    if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n') return false;
  return true;
}

void add_element(evtx::EventTree& tree, uint32_t parent, pugi::xml_node node) {
  uint32_t idx = tree.add(parent, evtx::NodeKind::Element, local_name(node.name()));
  for (pugi::xml_attribute a : node.attributes()) {
    uint32_t attr = tree.add(idx, evtx::NodeKind::Attribute, a.name());
    tree.add(attr, evtx::NodeKind::Text, {}, evtx::RawValue::utf8(a.value()));
  }
  for (pugi::xml_node c : node.children()) {
    switch (c.type()) {
      case pugi::node_element: add_element(tree, idx, c); break;
      case pugi::node_pcdata:
        // Whitespace between child elements is layout, not content.
        if (whitespace_only(c.value()) && (c.previous_sibling().type() == pugi::node_element ||
                                           c.next_sibling().type() == pugi::node_element))
          break;
        tree.add(idx, evtx::NodeKind::Text, {}, evtx::RawValue::utf8(c.value()));
        break;
      case pugi::node_cdata: tree.add(idx, evtx::NodeKind::Text, {}, evtx::RawValue::utf8(c.value())); break;
      case pugi::node_pi: tree.add(idx, evtx::NodeKind::PI, c.name(), evtx::RawValue::utf8(c.value())); break;
      default: break;
    }
  }
}

}  // namespace

struct EventXmlDocument::Impl {
  pugi::xml_document doc;
  std::vector<pugi::xml_node> events;
  std::string name;

  void check(const pugi::xml_parse_result& r) {
    if (!r)
      throw std::runtime_error(name + ": not XML: " + r.description() + " at offset " + std::to_string(r.offset));
    collect();
  }

  // <Event> elements at top level, or one level down (the <Events> root of an
  // Event Viewer export, in whatever namespace).
  void collect() {
    for (pugi::xml_node top : doc.children()) {
      if (top.type() != pugi::node_element) continue;
      if (local_name(top.name()) == "Event") {
        events.push_back(top);
        continue;
      }
      for (pugi::xml_node c : top.children())
        if (c.type() == pugi::node_element && local_name(c.name()) == "Event") events.push_back(c);
    }
    if (events.empty()) throw std::runtime_error(name + ": no <Event> element");
  }
};

EventXmlDocument::EventXmlDocument() : impl_(std::make_unique<Impl>()) {}
EventXmlDocument::EventXmlDocument(EventXmlDocument&&) noexcept = default;
EventXmlDocument& EventXmlDocument::operator=(EventXmlDocument&&) noexcept = default;
EventXmlDocument::~EventXmlDocument() = default;

EventXmlDocument EventXmlDocument::load_file(const std::filesystem::path& path) {
  EventXmlDocument d;
  d.impl_->name = path.string();
  pugi::xml_parse_result r = d.impl_->doc.load_file(path.c_str(), kParseOptions, pugi::encoding_auto);
  if (r.status == pugi::status_file_not_found || r.status == pugi::status_io_error)
    throw std::runtime_error(d.impl_->name + ": cannot open: " + std::strerror(errno));
  if (r.status == pugi::status_out_of_memory) throw std::runtime_error(d.impl_->name + ": out of memory");
  d.impl_->check(r);
  return d;
}

EventXmlDocument EventXmlDocument::load_string(std::string_view xml, const std::string& name) {
  EventXmlDocument d;
  d.impl_->name = name;
  d.impl_->check(d.impl_->doc.load_buffer(xml.data(), xml.size(), kParseOptions, pugi::encoding_auto));
  return d;
}

size_t EventXmlDocument::size() const { return impl_->events.size(); }

void EventXmlDocument::event_tree(size_t i, evtx::EventTree& tree) const {
  tree.clear();
  add_element(tree, evtx::kNoNode, impl_->events.at(i));
}

}  // namespace xmlin
