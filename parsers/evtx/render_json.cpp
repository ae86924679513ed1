// JSON in the shape of the Rust evtx crate's `evtx_dump -o jsonl`:
// attributes under "#attributes", text under "#text" when the element also has
// attributes or children, an element with neither as its bare (typed) value,
// an empty element as null, and <Data Name="X">v</Data> as "X": v.
// Repeated keys in one object get suffixes _1, _2, ... so no value is lost.
#include <algorithm>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "render.h"

namespace evtx {
namespace {

class JsonRenderer {
 public:
  JsonRenderer(const EventTree& t, std::string& out, std::vector<std::string>& key_pool)
      : t_(t), out_(out), pool_(key_pool) {}

  void element_value(uint32_t n) {
    const Node& node = t_[n];
    bool attrs = false, elements = false, text = false;
    for (uint32_t c = node.first_child; c != kNoNode; c = t_[c].next_sibling) {
      NodeKind k = t_[c].kind;
      if (k == NodeKind::Attribute) attrs = true;
      else if (k == NodeKind::Element) elements = true;
      else if (k != NodeKind::PI) text = true;
    }
    if (!attrs && !elements) {
      if (text) typed_text(n);
      else out_ += "null";
      return;
    }
    out_ += '{';
    push_level();
    bool first = true;
    if (attrs) {
      key("#attributes", first);
      out_ += '{';
      bool afirst = true;
      push_level();
      for (uint32_t c = node.first_child; c != kNoNode; c = t_[c].next_sibling) {
        if (t_[c].kind != NodeKind::Attribute) continue;
        key(t_[c].name, afirst);
        typed_text(c);
      }
      pop_level();
      out_ += '}';
    }
    // Unnamed <Data> children are gathered into one "Data": {"#text": ...}.
    std::vector<uint32_t> unnamed;
    for (uint32_t c = node.first_child; c != kNoNode; c = t_[c].next_sibling) {
      if (t_[c].kind != NodeKind::Element) continue;
      if (t_[c].name == "Data") {
        uint32_t name_attr = t_.attribute(c, "Name");
        if (name_attr == kNoNode) {
          unnamed.push_back(c);
          continue;
        }
        scratch_.clear();
        append_node_text(t_, name_attr, scratch_);
        key(scratch_, first);
        data_value(c);
        continue;
      }
      key(t_[c].name, first);
      element_value(c);
    }
    if (!unnamed.empty()) {
      key("Data", first);
      out_ += "{\"#text\":";
      if (unnamed.size() == 1) {
        data_value(unnamed[0]);
      } else {
        out_ += '[';
        for (size_t i = 0; i < unnamed.size(); ++i) {
          if (i) out_ += ',';
          data_value(unnamed[i]);
        }
        out_ += ']';
      }
      out_ += '}';
    }
    if (text) {
      key("#text", first);
      typed_text(n);
    }
    pop_level();
    out_ += '}';
  }

 private:
  // A Data element's value: its text, or its children if it has any.
  void data_value(uint32_t n) {
    for (uint32_t c = t_[n].first_child; c != kNoNode; c = t_[c].next_sibling)
      if (t_[c].kind == NodeKind::Element) {
        element_value_without_name_attr(n);
        return;
      }
    bool text = false;
    for (uint32_t c = t_[n].first_child; c != kNoNode; c = t_[c].next_sibling)
      if (t_[c].kind != NodeKind::Attribute) text = true;
    if (text) typed_text(n);
    else out_ += "null";
  }

  void element_value_without_name_attr(uint32_t n) {
    out_ += '{';
    push_level();
    bool first = true;
    for (uint32_t c = t_[n].first_child; c != kNoNode; c = t_[c].next_sibling) {
      if (t_[c].kind != NodeKind::Element) continue;
      key(t_[c].name, first);
      element_value(c);
    }
    pop_level();
    out_ += '}';
  }

  void typed_text(uint32_t n) {
    RawValue v = node_value(t_, n, scratch_);
    if (v.type == 0 && v.data == nullptr) {
      out_ += "null";
      return;
    }
    append_value_json(out_, v);
  }

  void push_level() { levels_.push_back(count_); }
  void pop_level() {
    count_ = levels_.back();
    levels_.pop_back();
  }

  // Writes "k": , suffixing _1, _2, ... when k is already a key of this object.
  void key(std::string_view k, bool& first) {
    if (!first) out_ += ',';
    first = false;
    int dup = 0;
    for (size_t i = levels_.back(); i < count_; ++i) {
      const std::string& s = pool_[i];
      if (s == k) dup = std::max(dup, 1);
      else if (s.size() > k.size() + 1 && s.compare(0, k.size(), k) == 0 && s[k.size()] == '_') {
        int n = std::atoi(s.c_str() + k.size() + 1);
        if (n >= dup) dup = n + 1;
      }
    }
    if (count_ == pool_.size()) pool_.emplace_back();
    std::string& name = pool_[count_++];
    name.assign(k);
    if (dup > 0) name += "_" + std::to_string(dup);
    append_json_string(out_, name);
    out_ += ':';
  }

  const EventTree& t_;
  std::string& out_;
  std::string scratch_;
  std::vector<std::string>& pool_;  // keys of the open objects, reused across records
  size_t count_ = 0;
  std::vector<size_t> levels_;
};

}  // namespace

void render_json(const EventTree& tree, std::string& out) {
  thread_local std::vector<std::string> key_pool;
  JsonRenderer r(tree, out, key_pool);
  uint32_t root = tree.root_element();
  out += '{';
  if (root != kNoNode) {
    append_json_string(out, tree[root].name);
    out += ':';
    r.element_value(root);
  }
  out += '}';
}

}  // namespace evtx
