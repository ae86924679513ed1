// A small YAML file a user gives (--tuning, --placeholders) read as one
// document: at most 4 MiB read (a FIFO or /dev/zero ends there), the stray
// comma yaml-cpp would loop on refused (stray_comma.h), and every problem
// thrown as std::runtime_error "PATH[:LINE]: what". Header-only.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <stdexcept>
#include <string>

#include "yaml/stray_comma.h"

namespace yaml {

constexpr size_t kMaxUserFile = 4u << 20;

// `what` names the file's kind in the size error: "a tuning file".
inline YAML::Node load_file(const std::string& path, const std::string& what) {
  std::string text;
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error(path + ": cannot be read");
  char buf[65536];
  size_t n = 0;
  while (text.size() <= kMaxUserFile && (n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  bool bad = std::ferror(f);
  std::fclose(f);
  if (bad) throw std::runtime_error(path + ": cannot be read");
  if (text.size() > kMaxUserFile) throw std::runtime_error(path + ": larger than " + what + " (4 MiB)");
  if (auto at = stray_comma(text))
    throw std::runtime_error(path + ":" + std::to_string(at->first) + ": not YAML: ',' outside a flow collection");
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(path + ":" + std::to_string(e.mark.line + 1) + ": not YAML: " + e.msg);
  }
}

}  // namespace yaml
