// JSON as the tests read it: nlohmann-json, strict.
//
// parse_json() accepts exactly one RFC 8259 value (nlohmann checks UTF-8 and
// surrogate escapes) and additionally refuses an object with the same key
// twice: nlohmann alone would silently keep the last one, and evtxhunt's JSON
// output promises unique keys (render_json de-duplicates them as Value,
// Value_1, ...). Objects keep document order (support::Json is
// nlohmann::ordered_json), so tests can assert on member order.
//
// Members are appended without nlohmann's per-key lookup (uniqueness is
// checked with a hash set), so an object with 60,000 members parses in linear
// time. Look members up with at(j, "a", "b"), which yields null for a missing
// member instead of nlohmann's undefined behaviour on a const operator[].
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <vector>

#include "support/lines.h"

namespace support {

using Json = nlohmann::ordered_json;

namespace json_detail {

// A SAX handler building a DOM of type J, failing on duplicate keys and on
// nesting deeper than kMaxDepth.
template <class J>
class StrictDomBuilder {
 public:
  using number_integer_t = typename J::number_integer_t;
  using number_unsigned_t = typename J::number_unsigned_t;
  using number_float_t = typename J::number_float_t;
  using string_t = typename J::string_t;
  using binary_t = typename J::binary_t;
  static constexpr size_t kMaxDepth = 1000;

  explicit StrictDomBuilder(J& root) : root_(root) {}

  bool null() { return add(nullptr); }
  bool boolean(bool v) { return add(v); }
  bool number_integer(number_integer_t v) { return add(v); }
  bool number_unsigned(number_unsigned_t v) { return add(v); }
  bool number_float(number_float_t v, const string_t&) { return add(v); }
  bool string(string_t& v) { return add(std::move(v)); }
  bool binary(binary_t&) { return fail("binary value"); }
  bool start_object(std::size_t) {
    if (!open(J::value_t::object)) return false;
    keys_.emplace_back();
    return true;
  }
  bool key(string_t& k) {
    if (!keys_.back().insert(k).second) return fail("duplicate key \"" + k + "\" in one object");
    pending_key_ = std::move(k);
    return true;
  }
  bool end_object() {
    keys_.pop_back();
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t) { return open(J::value_t::array); }
  bool end_array() {
    stack_.pop_back();
    return true;
  }
  template <class Exception>
  bool parse_error(std::size_t, const std::string&, const Exception& ex) {
    return fail(ex.what());
  }

  const std::string& error() const { return error_; }

 private:
  bool fail(std::string what) {
    if (error_.empty()) error_ = std::move(what);
    return false;
  }
  // Adds a value to the innermost open container (or as the root); returns it.
  template <class V>
  J* place(V&& v) {
    if (stack_.empty()) {
      root_ = J(std::forward<V>(v));
      return &root_;
    }
    J& top = *stack_.back();
    if (top.is_array()) {
      auto& arr = top.template get_ref<typename J::array_t&>();
      arr.emplace_back(std::forward<V>(v));
      return &arr.back();
    }
    auto& obj = top.template get_ref<typename J::object_t&>();
    if constexpr (std::is_same_v<J, nlohmann::ordered_json>) {
      // Uniqueness is already checked: append without ordered_map's linear search.
      auto& members = static_cast<typename J::object_t::Container&>(obj);
      members.emplace_back(std::move(pending_key_), J(std::forward<V>(v)));
      return &members.back().second;
    } else {
      return &obj.emplace(std::move(pending_key_), J(std::forward<V>(v))).first->second;
    }
  }
  template <class V>
  bool add(V&& v) {
    place(std::forward<V>(v));
    return true;
  }
  bool open(typename J::value_t kind) {
    if (stack_.size() >= kMaxDepth) return fail("nested too deeply");
    stack_.push_back(place(J(kind)));
    return true;
  }

  J& root_;
  std::vector<J*> stack_;                              // open containers, innermost last
  std::vector<std::unordered_set<std::string>> keys_;  // keys of each open object
  std::string pending_key_;
  std::string error_;
};

}  // namespace json_detail

// Parses exactly one JSON value (surrounding whitespace allowed); nullopt and
// *error set when the text is not valid JSON or an object repeats a key.
template <class J = Json>
std::optional<J> parse_json(std::string_view text, std::string* error = nullptr) {
  J out;
  json_detail::StrictDomBuilder<J> builder(out);
  bool ok = J::sax_parse(text.begin(), text.end(), &builder, nlohmann::json::input_format_t::json, /*strict=*/true);
  if (!ok) {
    if (error) *error = builder.error().empty() ? "invalid JSON" : builder.error();
    return std::nullopt;
  }
  return out;
}

// Every line of JSON-lines output parsed with parse_json; throws
// std::runtime_error naming the first line that is not one JSON value (an
// empty line included; the newline after the last line ends it).
template <class J = Json>
std::vector<J> parse_jsonl(std::string_view text) {
  std::vector<J> out;
  size_t number = 0;
  for (const std::string& line : split_lines(text)) {
    ++number;
    std::string err;
    std::optional<J> j = parse_json<J>(line, &err);
    if (!j)
      throw std::runtime_error("line " + std::to_string(number) + " is not JSON (" + err + "): " + line.substr(0, 300));
    out.push_back(std::move(*j));
  }
  return out;
}

// The member at the path of keys (at(j, "Event", "System", "EventID")), or a
// null value when one is missing or not an object.
template <class J>
const J& at(const J& j) {
  return j;
}
template <class J, class... Keys>
const J& at(const J& j, std::string_view key, Keys... rest) {
  static const J null_value;
  if (!j.is_object()) return null_value;
  auto it = j.find(std::string(key));
  if (it == j.end()) return null_value;
  return at(*it, rest...);
}

// Whether the object j has a member with this key (false when not an object).
template <class J>
bool has_member(const J& j, std::string_view key) {
  return j.is_object() && j.contains(std::string(key));
}

// The keys of an object in its order (empty when not an object).
template <class J>
std::vector<std::string> keys_of(const J& j) {
  std::vector<std::string> out;
  if (j.is_object())
    for (auto it = j.begin(); it != j.end(); ++it) out.push_back(it.key());
  return out;
}

// A scalar as text: a string's value, a number or literal as JSON writes it.
template <class J>
std::string scalar_text(const J& j) {
  return j.is_string() ? j.template get<std::string>() : j.dump();
}

}  // namespace support
