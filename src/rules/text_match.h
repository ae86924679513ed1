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

// Number of Unicode code points (strlen): UTF-8 continuation bytes are not counted.
size_t utf8_length(std::string_view s);

}  // namespace rules
