// String matching with KQL's semantics: case-insensitive comparison (simple
// case folding of ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic
// letters; other characters compare as they are), substring search, and the
// term matching of `has` (a term is a maximal run of alphanumeric characters;
// bytes of non-ASCII characters count as alphanumeric).
#pragma once

#include <string>
#include <string_view>

namespace rules {

std::string fold_case(std::string_view s);   // lower-case for comparisons (tolower)
std::string upper_case(std::string_view s);  // toupper

// `folded_needle` must already be fold_case()d (the compiler folds literals once).
bool iequals(std::string_view s, std::string_view folded_needle);
bool icontains(std::string_view s, std::string_view folded_needle);
bool istarts_with(std::string_view s, std::string_view folded_needle);
bool iends_with(std::string_view s, std::string_view folded_needle);

// `has`: the needle occurs in s at term boundaries: where the needle begins
// with an alphanumeric character, the character before the occurrence is not
// alphanumeric (or s begins there); likewise at its end. So "svchost.exe -k
// DcomLaunch" has "dcomlaunch" and has "svchost.exe" but not "dcom".
// Case-insensitive: the needle must already be fold_case()d.
bool has_term(std::string_view s, std::string_view needle, bool case_sensitive);

// Levenshtein distance, for "did you mean" hints (names and titles are short).
size_t edit_distance(std::string_view a, std::string_view b);

// The most RE2 instructions one rule's regular expressions may compile to
// (a Sigma rule's together; each `matches regex` / `extract` of a project
// rule). RE2 is linear in the text, but its constant grows with the program:
// a field of n characters costs at most about n x this many steps when RE2
// falls back from its DFA. SigmaHQ's largest is 8,005 (`.{1000,}`); a rule
// of large bounded repeats (x{1000} ten times over) is refused at load.
constexpr int kMaxRegexProgram = 20'000;

// Number of Unicode code points (strlen): UTF-8 continuation bytes are not counted.
size_t utf8_length(std::string_view s);

}  // namespace rules
