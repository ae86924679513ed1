// evtxhunt search: what a responder asks of every record, compiled into one
// Sigma detection that reads every record of every provider, so it runs in
// the same multi-pattern engine (Hyperscan, RE2) as SigmaHQ's rules, where
// records are read:
//   -k WORD         a literal keyword (* and ? are characters) in any data field's value
//   -r RE           an RE2 regular expression matching in any data field's value
//   -F Field=value  a field's value (Sigma's equality: * and ? wildcards)
//   -F Field~RE     a field's value matching an RE2 expression
// All terms must hold (--any: one is enough); letters' case is ignored unless
// --case. Field names are the record's (as the timeline's Details writes
// them), spaces ignored as Sigma ignores them; System fields (Computer,
// Channel, Provider_Name, EventID, ...) are named as Sigma names them.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/event_codec.h"

namespace re2 {
class RE2;
}

namespace search {

struct Query {
  std::vector<std::string> keywords;  // -k
  std::vector<std::string> regexes;   // -r
  std::vector<std::string> fields;    // -F
  bool any = false;                   // one term is enough
  bool cased = false;                 // letters' case counts
};

// A query that cannot run: what is wrong, naming the term.
struct QueryError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

class Search {
 public:
  explicit Search(const Query& q);  // throws QueryError
  ~Search();
  Search(const Search&) = delete;
  Search& operator=(const Search&) = delete;

  // The Sigma rule the scan runs (YAML).
  const std::string& sigma_text() const { return sigma_; }
  // "keyword 'mimikatz' and regex 'lsass\.(dmp|exe)'": for the summary.
  const std::string& description() const { return description_; }
  // The names of the record's fields whose values a term matches (for the
  // rows the rule matched), in record order, each once.
  std::vector<std::string> matched_fields(const store::EventView& view) const;

 private:
  struct FieldTerm {
    std::string name;                 // spaces left out
    std::string glob;                 // Field=value (folded unless cased), or
    std::unique_ptr<re2::RE2> regex;  // Field~RE
  };
  Query query_;
  std::vector<std::string> folded_keywords_;
  std::vector<std::unique_ptr<re2::RE2>> regexes_;
  std::vector<FieldTerm> fields_;
  std::string sigma_, description_;
};

}  // namespace search
