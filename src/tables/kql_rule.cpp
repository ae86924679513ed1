#include "tables/kql_rule.h"

#include <cctype>

#include "kql/parser.h"
#include "tables/evidence_catalog.h"
#include "text/ascii_case.h"

namespace tables {
namespace {

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// Calls fn(line number, key, value) for each `// key: value` line of the
// header: the comment and blank lines before the query's first line. Returns
// where the query starts.
template <typename Fn>
size_t for_each_header_line(std::string_view text, Fn fn) {
  uint32_t number = 0;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    std::string line = trim(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    ++number;
    if (!line.empty()) {
      if (line.rfind("//", 0) != 0) return start;
      std::string body = trim(std::string_view(line).substr(2));
      size_t colon = body.find(':');
      bool key = colon != std::string::npos && colon > 0;
      for (size_t i = 0; key && i < colon; ++i)
        key = std::isalpha(static_cast<unsigned char>(body[i])) || body[i] == '_';
      if (key) {
        std::string name = body.substr(0, colon);
        text::lower_in_place(name);
        fn(number, name, trim(std::string_view(body).substr(colon + 1)));
      }
    }
    if (end == std::string_view::npos) return text.size();
    start = end + 1;
  }
  return text.size();
}

}  // namespace

std::string KqlRuleError::str() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + reason;
}

bool looks_like_kql_rule(std::string_view text) {
  bool id = false;
  for_each_header_line(text, [&](uint32_t, const std::string& key, const std::string&) { id = id || key == "id"; });
  return id;
}

KqlRuleLoad load_kql_rule(std::string text, const std::string& file) {
  KqlRuleLoad out;
  KqlRule r;
  r.file = file;
  std::optional<KqlRuleError> error;
  auto fail = [&](uint32_t line, std::string reason) {
    if (!error) error = KqlRuleError{file, line, 1, std::move(reason)};
  };
  size_t query_at = for_each_header_line(text, [&](uint32_t line, const std::string& key, const std::string& value) {
    if (key == "id") r.id = value;
    if (key == "title") r.title = value;
    if (key == "description") r.description = value;
    if (key == "author") r.author = value;
    if (key == "level") {
      std::string lower = value;
      text::lower_in_place(lower);
      if (auto l = rules::parse_level(lower))
        r.level = *l;
      else
        fail(line, "level: '" + value + "' is not a level (informational, low, medium, high, critical)");
    }
    if (key == "tags") {
      std::string tag;
      for (char c : value + " ") {
        if (c == ',' || std::isspace(static_cast<unsigned char>(c))) {
          if (!tag.empty()) r.tags.push_back(tag);
          tag.clear();
        } else {
          tag += c;
        }
      }
    }
  });
  if (r.id.empty()) fail(1, "a KQL rule needs an id (a `// id:` line before the query)");
  if (r.title.empty()) fail(1, "a KQL rule needs a title (a `// title:` line before the query)");
  if (!error) {
    try {
      r.query = kql::parse(text);
    } catch (const kql::QueryError& e) {
      error = KqlRuleError{file, e.pos.line, e.pos.column, e.message};
    }
  }
  if (error) {
    out.error = std::move(error);
    return out;
  }
  // The tables the query names (its header's words are not the query's).
  r.tables = mentioned_tables(std::string_view(text).substr(query_at));
  r.text = std::move(text);
  out.rule = std::move(r);
  return out;
}

}  // namespace tables
