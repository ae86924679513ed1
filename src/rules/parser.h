// Internal: expression text -> node tree (parser.cpp).
#pragma once

#include <string_view>

#include "rules/ast.h"

namespace rules::detail {

// Registers the field references in prog.refs; throws CompileError.
NodePtr parse(std::string_view text, const Scope& scope, Program& prog);

}  // namespace rules::detail
