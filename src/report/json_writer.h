// A small streaming JSON writer for the report's data document: commas and
// nesting tracked, strings escaped by evtx::append_json_string.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "evtx/value.h"

namespace report {

class JsonWriter {
 public:
  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  JsonWriter& key(std::string_view k) {
    prefix();
    evtx::append_json_string(out_, k);
    out_ += ':';
    after_key_ = true;
    return *this;
  }
  // A string, cut past kMaxString bytes (at a character boundary) with its
  // full length stated, so no value from the evidence can make the page
  // too big to draw.
  void str(std::string_view s) { cut(s, kMaxString); }
  // A host or computer name: cut past kMaxName bytes the same way.
  void name(std::string_view s) { cut(s, kMaxName); }
  void num(int64_t v) {
    prefix();
    out_ += std::to_string(v);
  }
  void null() {
    prefix();
    out_ += "null";
  }
  // A value already written as JSON (by another JsonWriter).
  void raw(std::string_view json) {
    prefix();
    out_ += json;
  }
  void strings(const std::vector<std::string>& v) {
    begin_array();
    for (const std::string& s : v) str(s);
    end_array();
  }
  void names(const std::vector<std::string>& v) {
    begin_array();
    for (const std::string& s : v) name(s);
    end_array();
  }

  static constexpr size_t kMaxString = 16384;
  static constexpr size_t kMaxName = 256;

  std::string& text() { return out_; }

 private:
  void open(char bracket) {
    prefix();
    out_ += bracket;
    first_.push_back(true);
  }
  void close(char bracket) {
    out_ += bracket;
    first_.pop_back();
  }
  // A comma before every value but the first of its array or object; none
  // after a key.
  void prefix() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (first_.empty()) return;
    if (!first_.back()) out_ += ',';
    first_.back() = false;
  }

  void cut(std::string_view s, size_t max) {
    prefix();
    if (s.size() <= max) {
      evtx::append_json_string(out_, s);
      return;
    }
    evtx::append_json_string(out_, clipped(s, max));
  }

 public:
  // `s` as str() (kMaxString) or name() (kMaxName) would write it.
  static std::string clipped(std::string_view s, size_t max) {
    if (s.size() <= max) return std::string(s);
    size_t end = max;
    while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;  // not inside a character
    return std::string(s.substr(0, end)) + " \xE2\x80\xA6 (" + std::to_string(s.size()) + " bytes)";
  }

 private:
  std::string out_;
  std::vector<bool> first_;
  bool after_key_ = false;
};

}  // namespace report
