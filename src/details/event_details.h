// The details of one matched record: its key fields' values (key_fields.h) in
// the order who, what, from where; for a record the tables do not know, the
// fields whose names say who, what or from where (a short generic list), else
// its first fields. With all_fields, every field of the record instead.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sigma/field_source.h"

namespace details {

using Details = std::vector<std::pair<std::string, std::string>>;

// A key field's value longer than this is cut (at a character boundary) and
// says its length; --all-fields writes every value whole.
constexpr size_t kMaxDetailValue = 4096;

Details event_details(sigma::FieldSource& src, std::string_view provider, uint16_t event_id, bool all_fields);

}  // namespace details
