// JSON in the shape of the Rust evtx crate's `evtx_dump -o jsonl`:
// attributes under "#attributes", text under "#text" when the element also has
// attributes or children, an element with neither as its bare (typed) value,
// an empty element as null, and <Data Name="X">v</Data> as "X": v.
// Repeated keys in one object get suffixes _1, _2, ... so no value is lost:
// a key k becomes k_N with N one more than the largest N of a key k_N (N
// decimal digits) the object already has, or 1 when only k itself is there.
// Objects of up to kIndexedAfter keys are searched in place; larger ones
// (a record can repeat one element tens of thousands of times) get an index,
// so a record costs linear time, not quadratic.
#include <algorithm>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "evtx/output_program_impl.h"
#include "evtx/render.h"
#include "evtx/render_sink.h"

namespace evtx {
namespace {

constexpr size_t kIndexedAfter = 16;

// name = base + "_" + N (1 to 9 decimal digits): the length of base, and N; npos otherwise.
size_t suffixed(std::string_view name, long& n) {
  size_t us = name.rfind('_');
  if (us == std::string_view::npos || us + 1 == name.size() || name.size() - us - 1 > 9) return std::string_view::npos;
  n = 0;
  for (size_t i = us + 1; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return std::string_view::npos;
    n = n * 10 + (name[i] - '0');
  }
  return us;
}

// The keys of one open object past kIndexedAfter: those present, and per
// base k the next free suffix after the keys k_N.
struct Index {
  std::unordered_set<std::string> present;
  std::unordered_map<std::string, long> next;
  void add(const std::string& name) {
    present.insert(name);
    long n = 0;
    if (size_t base = suffixed(name, n); base != std::string::npos) {
      long& v = next[name.substr(0, base)];
      v = std::max(v, n + 1);
    }
  }
};

// What the renderer keeps across records of a thread (no allocation per record).
struct KeyState {
  std::vector<std::string> pool;  // keys of the open objects
  std::vector<size_t> levels;     // where each open object's keys start in pool
  std::vector<bool> indexed;      // per open object: its Index is in use
  std::vector<Index> indexes;     // per nesting level
};

template <class Sink>
class JsonRenderer {
 public:
  JsonRenderer(const EventTree& t, Sink& sink, KeyState& keys)
      : t_(t),
        sink_(sink),
        out_(sink.text()),
        pool_(keys.pool),
        levels_(keys.levels),
        indexed_(keys.indexed),
        indexes_(keys.indexes) {
    levels_.clear();
    indexed_.clear();
  }

  void element_value(uint32_t n) {
    const Node& node = t_[n];
    bool attrs = false, elements = false, text = false;
    for (uint32_t c = node.first_child; c != kNoNode; c = t_[c].next_sibling) {
      NodeKind k = t_[c].kind;
      if (k == NodeKind::Attribute)
        attrs = true;
      else if (k == NodeKind::Element)
        elements = true;
      else if (k != NodeKind::PI)
        text = true;
    }
    if (!attrs && !elements) {
      if (text)
        typed_text(n);
      else
        out_ += "null";
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
    if (text)
      typed_text(n);
    else
      out_ += "null";
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
    sink_.json_value(v);
  }

  void push_level() {
    levels_.push_back(count_);
    if (indexes_.size() < levels_.size()) indexes_.emplace_back();
    indexed_.push_back(false);
  }
  void pop_level() {
    count_ = levels_.back();
    if (indexed_.back()) {
      Index& ix = indexes_[levels_.size() - 1];
      ix.present.clear();
      ix.next.clear();
    }
    levels_.pop_back();
    indexed_.pop_back();
  }

  // The suffix the next key k of the open object takes (0: none).
  long duplicate_number(std::string_view k) {
    size_t begin = levels_.back();
    if (count_ - begin > kIndexedAfter) {
      Index& ix = indexes_[levels_.size() - 1];
      if (!indexed_.back()) {
        for (size_t i = begin; i < count_; ++i) ix.add(pool_[i]);
        indexed_.back() = true;
      }
      std::string key(k);
      long dup = ix.present.count(key) ? 1 : 0;
      if (auto it = ix.next.find(key); it != ix.next.end()) dup = std::max(dup, it->second);
      return dup;
    }
    long dup = 0;
    for (size_t i = begin; i < count_; ++i) {
      std::string_view s = pool_[i];
      long n = 0;
      if (s == k)
        dup = std::max(dup, 1L);
      else if (size_t base = suffixed(s, n); base == k.size() && s.compare(0, base, k) == 0)
        dup = std::max(dup, n + 1);
    }
    return dup;
  }

  // Writes "k": , suffixing _1, _2, ... when k is already a key of this object.
  void key(std::string_view k, bool& first) {
    if (!first) out_ += ',';
    first = false;
    long dup = duplicate_number(k);
    if (count_ == pool_.size()) pool_.emplace_back();
    std::string& name = pool_[count_++];
    name.assign(k);
    if (dup > 0) name += "_" + std::to_string(dup);
    if (indexed_.back()) indexes_[levels_.size() - 1].add(name);
    append_json_string(out_, name);
    out_ += ':';
  }

  const EventTree& t_;
  Sink& sink_;
  std::string& out_;  // constant text
  std::string scratch_;
  std::vector<std::string>& pool_;
  size_t count_ = 0;
  std::vector<size_t>& levels_;
  std::vector<bool>& indexed_;
  std::vector<Index>& indexes_;
};

}  // namespace

template <class Sink>
void render_json_to(const EventTree& tree, Sink& sink) {
  thread_local KeyState keys;
  JsonRenderer<Sink> r(tree, sink, keys);
  std::string& out = sink.text();
  uint32_t root = tree.root_element();
  out += '{';
  if (root != kNoNode) {
    append_json_string(out, tree[root].name);
    out += ':';
    r.element_value(root);
  }
  out += '}';
}

template void render_json_to(const EventTree&, TextSink&);
template void render_json_to(const EventTree&, ProgramRecorder&);

void render_json(const EventTree& tree, std::string& out) {
  TextSink sink{out};
  render_json_to(tree, sink);
}

}  // namespace evtx
