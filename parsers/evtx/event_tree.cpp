#include "evtx/event_tree.h"

namespace evtx {

uint32_t EventTree::add(uint32_t parent, NodeKind kind, std::string_view name, RawValue value) {
  uint32_t idx = static_cast<uint32_t>(nodes_.size());
  Node& n = nodes_.emplace_back();
  n.kind = kind;
  n.name = name;
  n.value = value;
  n.parent = parent;
  if (parent == kNoNode) {
    roots_.push_back(idx);
  } else {
    Node& p = nodes_[parent];
    if (p.last_child == kNoNode)
      p.first_child = idx;
    else
      nodes_[p.last_child].next_sibling = idx;
    p.last_child = idx;
  }
  return idx;
}

void EventTree::drop_last_child(uint32_t parent, uint32_t node) {
  if (parent == kNoNode || nodes_[parent].last_child != node) return;
  // Find the previous sibling (attributes are few, the walk is short).
  uint32_t prev = kNoNode;
  for (uint32_t c = nodes_[parent].first_child; c != node; c = nodes_[c].next_sibling) prev = c;
  if (prev == kNoNode)
    nodes_[parent].first_child = kNoNode;
  else
    nodes_[prev].next_sibling = kNoNode;
  nodes_[parent].last_child = prev;
  // The dropped node and its pieces are the last nodes: reclaim them.
  if (node < nodes_.size()) nodes_.resize(node);
}

uint32_t EventTree::root_element() const {
  for (uint32_t r : roots_)
    if (nodes_[r].kind == NodeKind::Element) return r;
  return kNoNode;
}

uint32_t EventTree::child(uint32_t parent, std::string_view name) const {
  if (parent == kNoNode) return kNoNode;
  for (uint32_t c = nodes_[parent].first_child; c != kNoNode; c = nodes_[c].next_sibling)
    if (nodes_[c].kind == NodeKind::Element && nodes_[c].name == name) return c;
  return kNoNode;
}

uint32_t EventTree::attribute(uint32_t element, std::string_view name) const {
  if (element == kNoNode) return kNoNode;
  for (uint32_t c = nodes_[element].first_child; c != kNoNode; c = nodes_[c].next_sibling)
    if (nodes_[c].kind == NodeKind::Attribute && nodes_[c].name == name) return c;
  return kNoNode;
}

}  // namespace evtx

namespace evtx {
namespace {

void append_code_point(std::string& out, uint32_t c) {
  uint8_t u16[2] = {static_cast<uint8_t>(c & 0xff), static_cast<uint8_t>(c >> 8)};
  append_utf16(out, u16, 1);
}

void append_entity(std::string& out, std::string_view name) {
  if (name == "amp")
    out += '&';
  else if (name == "lt")
    out += '<';
  else if (name == "gt")
    out += '>';
  else if (name == "quot")
    out += '"';
  else if (name == "apos")
    out += '\'';
  else {
    out += '&';
    out.append(name);
    out += ';';
  }
}

}  // namespace

void append_node_text(const EventTree& tree, uint32_t node, std::string& out) {
  for (uint32_t c = tree[node].first_child; c != kNoNode; c = tree[c].next_sibling) {
    const Node& n = tree[c];
    switch (n.kind) {
      case NodeKind::Text:
      case NodeKind::CData: append_value_text(out, n.value); break;
      case NodeKind::CharRef: append_code_point(out, n.char_ref); break;
      case NodeKind::EntityRef: append_entity(out, n.name); break;
      default: break;
    }
  }
}

RawValue node_value(const EventTree& tree, uint32_t node, std::string& scratch) {
  uint32_t text = kNoNode;
  int pieces = 0;
  for (uint32_t c = tree[node].first_child; c != kNoNode; c = tree[c].next_sibling) {
    NodeKind k = tree[c].kind;
    if (k == NodeKind::Text || k == NodeKind::CData || k == NodeKind::CharRef || k == NodeKind::EntityRef) {
      ++pieces;
      text = c;
    }
  }
  if (pieces == 0) return {};
  if (pieces == 1 && tree[text].kind == NodeKind::Text) return tree[text].value;
  scratch.clear();
  append_node_text(tree, node, scratch);
  return RawValue::utf8(scratch);
}

uint32_t only_text_piece(const EventTree& tree, uint32_t node) {
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

}  // namespace evtx
