// The one glob of evtxhunt: Sigma's wildcards (`*` any run of bytes, `?` one
// byte), a backslash escaping the byte after it, ASCII case ignored unless
// asked for. Sigma rules, --host / --channel / rule-id filters, key-field
// tables and scripts/evtxhunt-dask all match with it (tests/data/glob_vectors.tsv
// holds the cases every implementation must agree on).
//
// A *canonical* glob is the form the matchers read: wildcards bare, a literal
// `*`, `?` or `\` escaped with a backslash. canonical_glob() turns a Sigma
// value (where a backslash not before a wildcard is literal) into it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace text {

// Whether `text` matches the canonical glob `glob`. Linear in practice: it
// backtracks only to the last star (O(|glob| x |text|) at worst).
bool glob_match(std::string_view glob, std::string_view text, bool cased = false);

// A Sigma string value (wildcards * ?, backslash escapes) as a canonical glob:
// a backslash run before a wildcard escapes it when odd; elsewhere `\` and
// `\\` are each one literal backslash.
std::string canonical_glob(std::string_view sigma_value);
// The plain text of a canonical glob without wildcards (escapes removed).
std::string glob_literal(std::string_view glob);
// Escapes plain text for a canonical glob.
std::string escape_glob(std::string_view plain);

// Where a glob's literal must sit in the text.
enum class Anchor : uint8_t { None, Prefix, Exact, Suffix };
struct GlobLiteral {
  std::string text;  // unescaped
  Anchor anchor = Anchor::None;
};
// A canonical glob with wildcards only at its ends ("*x*", "x*", "*x", "x"):
// its literal and where it sits; nullopt when it has an inner wildcard or a `?`.
// "*" is the empty literal anchored nowhere (any text); "" the empty exact one.
std::optional<GlobLiteral> glob_as_literal(std::string_view glob);

// A canonical glob as a regular expression in the syntax Hyperscan and PCRE
// share (bytes, `.` under DOTALL for `?`): anchored with ^ and \z where the
// glob has no leading / trailing star; every byte that is not alphanumeric or
// plainly safe written \xHH. "" when the glob matches any text.
std::string glob_regex(std::string_view glob);

// The bytes of a glob that are not wildcards or escapes: how selective it is.
size_t glob_literal_bytes(std::string_view glob);

}  // namespace text
