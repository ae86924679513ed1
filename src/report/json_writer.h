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
  void str(std::string_view s) {
    prefix();
    evtx::append_json_string(out_, s);
  }
  void num(int64_t v) {
    prefix();
    out_ += std::to_string(v);
  }
  void null() {
    prefix();
    out_ += "null";
  }
  void strings(const std::vector<std::string>& v) {
    begin_array();
    for (const std::string& s : v) str(s);
    end_array();
  }

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

  std::string out_;
  std::vector<bool> first_;
  bool after_key_ = false;
};

}  // namespace report
