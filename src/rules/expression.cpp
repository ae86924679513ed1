#include "rules/expression.h"

#include <algorithm>

#include "rules/ast.h"
#include "rules/parser.h"

namespace rules {

const char* truth_name(Truth t) {
  switch (t) {
    case Truth::False: return "false";
    case Truth::True: return "true";
    case Truth::Unknown: return "unknown";
  }
  return "unknown";
}

Expression::Expression() = default;
Expression::~Expression() = default;
Expression::Expression(const Expression&) = default;
Expression& Expression::operator=(const Expression&) = default;
Expression::Expression(Expression&&) noexcept = default;
Expression& Expression::operator=(Expression&&) noexcept = default;

const std::string& Expression::text() const {
  static const std::string kEmpty;
  return prog_ ? prog_->text : kEmpty;
}

Type Expression::type() const { return prog_ ? prog_->root->type : Type::Unknown; }

Value Expression::evaluate(const EvalContext& ctx) const {
  if (!prog_) return Value::unknown(0);
  return prog_->root->eval(ctx);
}

Verdict Expression::test(const EvalContext& ctx) const {
  Value v = evaluate(ctx);
  if (v.type == Type::Bool) return Verdict{v.i ? Truth::True : Truth::False, 0};
  if (!v.known()) return Verdict{Truth::Unknown, v.unknowns};
  return Verdict{Truth::False, 0};
}

const std::vector<FieldRef>& Expression::fields() const {
  static const std::vector<FieldRef> kNone;
  return prog_ ? prog_->refs : kNone;
}

std::vector<std::string> Expression::unknown_fields(UnknownSet u) const {
  std::vector<std::string> out;
  const std::vector<FieldRef>& refs = fields();
  for (size_t i = 0; i < refs.size() && i < 64; ++i)
    if (u & (UnknownSet{1} << i)) out.push_back(refs[i].name);
  return out;
}

std::vector<size_t> Expression::referenced_stages() const {
  std::vector<size_t> out;
  for (const FieldRef& r : fields())
    if (r.stage && std::find(out.begin(), out.end(), *r.stage) == out.end()) out.push_back(*r.stage);
  std::sort(out.begin(), out.end());
  return out;
}

Expression compile(std::string_view text, const Scope& scope) {
  auto prog = std::make_shared<detail::Program>();
  prog->text = std::string(text);
  prog->stage_names = scope.stages;
  // Parse the program's own copy: string_views into the text stay valid.
  prog->root = detail::parse(prog->text, scope, *prog);
  Expression e;
  e.prog_ = std::move(prog);
  return e;
}

Expression compile_predicate(std::string_view text, const Scope& scope) {
  Expression e = compile(text, scope);
  if (e.type() != Type::Bool) {
    size_t first = 0;
    while (first < text.size() && (text[first] == ' ' || text[first] == '\n' || text[first] == '\t')) ++first;
    throw CompileError{
        first, std::string("a condition must be true or false, but this expression is a ") + type_name(e.type())};
  }
  return e;
}

}  // namespace rules
