#include "sigma/placeholders.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <stdexcept>

#include "sigma/sigma_loader.h"
#include "text/glob.h"
#include "yaml/load_file.h"

namespace sigma {
namespace {

// A placeholder file larger than this is not one (and /dev/zero ends).
// Values a rule's placeholders may expand into (several in one value multiply).
constexpr size_t kMaxExpansions = 100'000;

bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'; }

// The placeholders of a glob, in order: each %name% (name: letters, digits, _ - .).
std::vector<std::pair<size_t, size_t>> find_placeholders(std::string_view g) {
  std::vector<std::pair<size_t, size_t>> out;  // (start of '%', length with both '%')
  for (size_t i = 0; i < g.size(); ++i) {
    if (g[i] != '%') continue;
    size_t j = i + 1;
    while (j < g.size() && name_char(g[j])) ++j;
    if (j < g.size() && g[j] == '%' && j > i + 1) {
      out.emplace_back(i, j - i + 1);
      i = j;
    }
  }
  return out;
}

std::string bare(std::string name) {
  if (name.size() >= 2 && name.front() == '%' && name.back() == '%') name = name.substr(1, name.size() - 2);
  return name;
}

}  // namespace

std::vector<std::string> placeholder_names(std::string_view value) {
  std::vector<std::string> out;
  for (auto [at, len] : find_placeholders(value)) out.emplace_back(value.substr(at, len));
  return out;
}

Placeholders load_placeholders(const std::string& path) {
  YAML::Node doc = yaml::load_file(path, "a placeholder file");
  auto where = [&](const YAML::Node& n) { return path + ":" + std::to_string(n.Mark().line + 1) + ": "; };
  if (!doc.IsMap()) throw std::runtime_error(path + ": must map placeholder names to lists of values");
  Placeholders out;
  for (const auto& kv : doc) {
    if (!kv.first.IsScalar()) throw std::runtime_error(where(kv.first) + "a placeholder name must be text");
    std::string name = bare(kv.first.Scalar());
    if (name.empty() || !std::all_of(name.begin(), name.end(), name_char))
      throw std::runtime_error(where(kv.first) + "'" + kv.first.Scalar() +
                               "' is not a placeholder name (letters, digits, _ - .)");
    std::vector<std::string>& values = out[name];
    if (kv.second.IsScalar()) {
      values.push_back(kv.second.Scalar());
    } else if (kv.second.IsSequence()) {
      for (const YAML::Node& v : kv.second) {
        if (!v.IsScalar()) throw std::runtime_error(where(v) + "a value of '" + name + "' must be text");
        values.push_back(v.Scalar());
      }
    } else {
      throw std::runtime_error(where(kv.second) + "'" + name + "' needs a list of values");
    }
    if (values.empty()) throw std::runtime_error(where(kv.second) + "'" + name + "' has no values");
  }
  return out;
}

std::vector<std::string> expand_placeholders(Rule& rule, const Placeholders& values) {
  std::vector<std::string> missing;
  auto each_test = [&](auto fn) {
    for (Selection& s : rule.selections)
      for (auto& alt : s.alternatives)
        for (FieldTest& t : alt)
          if (!t.placeholders.empty()) fn(t);
  };
  each_test([&](FieldTest& t) {
    for (const std::string& p : t.placeholders)
      if (!values.count(bare(p)) && std::find(missing.begin(), missing.end(), p) == missing.end()) missing.push_back(p);
  });
  if (!missing.empty()) return missing;
  size_t total = 0;  // values of the whole rule
  each_test([&](FieldTest& t) {
    std::vector<std::string> out;
    for (const std::string& g : t.values) {
      std::vector<std::string> done = {""};
      size_t prev = 0;
      for (auto [at, len] : find_placeholders(g)) {
        const std::vector<std::string>& vs = values.at(g.substr(at + 1, len - 2));
        if (done.size() * vs.size() > kMaxExpansions)
          throw std::runtime_error("placeholders expand into more than 100,000 values");
        std::vector<std::string> next;
        for (const std::string& d : done)
          for (const std::string& v : vs) next.push_back(d + g.substr(prev, at - prev) + text::escape_glob(v));
        done = std::move(next);
        prev = at + len;
      }
      for (std::string& d : done) out.push_back(d + g.substr(prev));
      if ((total += done.size()) > kMaxExpansions)
        throw std::runtime_error("placeholders expand into more than 100,000 values");
    }
    t.values = std::move(out);
    t.placeholders.clear();
  });
  return {};
}

}  // namespace sigma
