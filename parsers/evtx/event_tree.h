// One event as a tree of elements, attributes and typed text, shared by every
// reader (native BinXML, libevtx, XML exports) and every renderer (XML, JSON,
// record fields). Nodes live in one flat vector that is reused per record;
// names and values point into memory owned by the reader (chunk, name cache
// or parsed document), so the tree is valid only while that memory is.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "evtx/value.h"

namespace evtx {

constexpr uint32_t kNoNode = 0xffffffffu;

enum class NodeKind : uint8_t {
  Element,
  Attribute,  // children are Text / CharRef / EntityRef pieces of its value
  Text,       // value
  CData,      // value (UTF-16 string)
  CharRef,    // char_ref holds the code point
  EntityRef,  // name holds the entity name
  PI,         // name holds the target, value the data
};

struct Node {
  NodeKind kind = NodeKind::Element;
  uint16_t char_ref = 0;
  std::string_view name;
  RawValue value;
  uint32_t parent = kNoNode;
  uint32_t first_child = kNoNode;
  uint32_t last_child = kNoNode;
  uint32_t next_sibling = kNoNode;
};

class EventTree {
 public:
  void clear() {
    nodes_.clear();
    roots_.clear();
  }
  bool empty() const { return nodes_.empty(); }

  // Appends a node under parent (kNoNode: a new top-level node) and returns its index.
  uint32_t add(uint32_t parent, NodeKind kind, std::string_view name = {}, RawValue value = {});

  const Node& operator[](uint32_t i) const { return nodes_[i]; }
  Node& operator[](uint32_t i) { return nodes_[i]; }
  uint32_t size() const { return static_cast<uint32_t>(nodes_.size()); }
  const std::vector<uint32_t>& roots() const { return roots_; }

  // The first top-level element (normally <Event>), or kNoNode.
  uint32_t root_element() const;
  // The first child element of parent with this name, or kNoNode.
  uint32_t child(uint32_t parent, std::string_view name) const;
  // The first attribute of element with this name, or kNoNode.
  uint32_t attribute(uint32_t element, std::string_view name) const;

  // Removes the last child of parent if it is `node` (used to drop attributes
  // whose optional substitutions were all empty).
  void drop_last_child(uint32_t parent, uint32_t node);

 private:
  std::vector<Node> nodes_;
  std::vector<uint32_t> roots_;
};

}  // namespace evtx

namespace evtx {

// Appends the text content of a node (an element's direct text pieces, or an
// attribute's value): values rendered as Windows renders them, character and
// entity references resolved. Child elements are not included.
void append_node_text(const EventTree& tree, uint32_t node, std::string& out);

// The node's content as one value: the single Text piece itself when there is
// exactly one (keeping its BinXML type), else kind Utf8 over `scratch`.
// Null when the node has no text.
RawValue node_value(const EventTree& tree, uint32_t node, std::string& scratch);

// The node's one text piece when its text is a single Text or CData value;
// kNoNode otherwise (none, several, or a character or entity reference).
uint32_t only_text_piece(const EventTree& tree, uint32_t node);

}  // namespace evtx
