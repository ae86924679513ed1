#include "rules/expression.h"

#include <algorithm>

#include "rules/ast.h"
#include "rules/parser.h"

namespace rules {

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

namespace {

using detail::Node;
using detail::NodeKind;

// Fields that place an event (its kind, host, time, boot, provenance) rather
// than describe what happened.
bool places_event(normalize::Field f) {
  using normalize::Field;
  switch (f) {
    case Field::Timestamp:
    case Field::LastBootTime:
    case Field::EventID:
    case Field::ActionType:
    case Field::DeviceId:
    case Field::DeviceName:
    case Field::Provider:
    case Field::Channel:
    case Field::SourceFile:
    case Field::EventRecordID: return true;
    default: return false;
  }
}

bool reads_own_behaviour_field(const Node& n) {
  if (n.kind == NodeKind::Field) {
    const auto& f = static_cast<const detail::FieldNode&>(n);
    return !f.stage && !places_event(f.field);
  }
  bool found = false;
  detail::for_each_operand(n, [&](const Node& k) { found = found || reads_own_behaviour_field(k); });
  return found;
}

bool asks_for_something(const Node& n) {
  switch (n.kind) {
    case NodeKind::Compare: {
      detail::CmpOp op = static_cast<const detail::CompareNode&>(n).op;
      return op != detail::CmpOp::Ne && op != detail::CmpOp::NeCi;
    }
    case NodeKind::StringOp: return !static_cast<const detail::StringOpNode&>(n).negate;
    case NodeKind::In: return !static_cast<const detail::InNode&>(n).negate;
    case NodeKind::Between: return !static_cast<const detail::BetweenNode&>(n).negate;
    case NodeKind::Regex: return true;
    default: return false;
  }
}

// The selecting tests: reached through and / or only.
void collect_selecting(const Node& n, std::vector<const Node*>& out) {
  if (n.kind == NodeKind::And || n.kind == NodeKind::Or) {
    detail::for_each_operand(n, [&](const Node& k) { collect_selecting(k, out); });
    return;
  }
  if (asks_for_something(n) && reads_own_behaviour_field(n)) out.push_back(&n);
}

}  // namespace

bool Expression::selects(const EvalContext& ctx) const {
  if (!prog_) return false;
  for (const Node* n : prog_->selecting) {
    Value v = n->eval(ctx);
    if (v.type == Type::Bool && v.i) return true;
  }
  return false;
}

Expression compile(std::string_view text, const Scope& scope) {
  auto prog = std::make_shared<detail::Program>();
  prog->text = std::string(text);
  prog->stage_names = scope.stages;
  // Parse the program's own copy: string_views into the text stay valid.
  prog->root = detail::parse(prog->text, scope, *prog);
  if (prog->root->type == Type::Bool) collect_selecting(*prog->root, prog->selecting);
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
