#include "details/key_fields.h"

#include <cctype>
#include <sstream>
#include <stdexcept>

#include "details/key_field_data.h"
#include "text/ascii_case.h"
#include "text/glob.h"

namespace details {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::vector<std::string> names(std::string_view group) {
  std::vector<std::string> out;
  std::istringstream in{std::string(trim(group))};
  for (std::string n; in >> n;)
    if (n != "-") out.push_back(n);
  return out;
}

}  // namespace

void parse_key_fields(std::string_view text, const std::string& name, KeyFieldTable& into) {
  std::string provider;
  size_t line_no = 0;
  auto fail = [&](const std::string& what) {
    throw std::runtime_error(name + ":" + std::to_string(line_no) + ": " + what);
  };
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    // The comment's first part names the event; later parts say where the names come from.
    std::string_view comment;
    if (size_t hash = line.find(" #"); hash != std::string_view::npos) {
      comment = line.substr(hash + 2);
      comment = comment.substr(0, comment.find(" #"));
      line = line.substr(0, hash);
    }
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("provider ", 0) == 0) {
      provider = text::lowered(trim(line.substr(9)));
      continue;
    }
    if (provider.empty()) fail("an event line before any 'provider NAME' line");
    std::vector<std::string_view> cols;
    for (size_t at = 0;;) {
      size_t bar = line.find('|', at);
      cols.push_back(line.substr(at, bar == std::string_view::npos ? std::string_view::npos : bar - at));
      if (bar == std::string_view::npos) break;
      at = bar + 1;
    }
    if (cols.size() != 4) fail("not 'ID | WHO | WHAT | FROM WHERE'");
    std::string_view id_text = trim(cols[0]);
    unsigned id = 0;
    for (char c : id_text) {
      if (!std::isdigit(static_cast<unsigned char>(c)) || id > 6553) fail("not an event id: " + std::string(id_text));
      id = id * 10 + static_cast<unsigned>(c - '0');
    }
    if (id_text.empty() || id > 65535) fail("not an event id: " + std::string(id_text));
    KeyFields k{names(cols[1]), names(cols[2]), names(cols[3]), std::string(trim(comment)),
                name + ":" + std::to_string(line_no)};
    auto [it, fresh] = into.try_emplace({provider, static_cast<uint16_t>(id)}, std::move(k));
    if (!fresh) fail("event " + std::to_string(id) + " of this provider is already at " + it->second.source);
  }
}

const KeyFieldTable& key_field_table() {
  static const KeyFieldTable table = [] {
    KeyFieldTable t;
    for (size_t i = 0; i < kKeyFieldTableCount; ++i)
      parse_key_fields(kKeyFieldTables[i].text, std::string(kKeyFieldTables[i].name), t);
    return t;
  }();
  return table;
}

const KeyFields* key_fields(std::string_view provider, uint16_t event_id) {
  const KeyFieldTable& t = key_field_table();
  std::string name = text::lowered(provider);
  auto it = t.find(std::pair<std::string, uint16_t>{name, event_id});
  if (it != t.end()) return &it->second;
  // A provider line with a star names a family (MSSQL$*: every named SQL Server instance).
  for (const auto& [key, fields] : t)
    if (key.second == event_id && key.first.find('*') != std::string::npos && text::glob_match(key.first, name))
      return &fields;
  return nullptr;
}

}  // namespace details
