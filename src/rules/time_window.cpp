// What a compiled where clause says about time and keys, for the replay:
// time windows relative to earlier stages (so partial chains can expire) and
// equality joins on earlier stages' fields (so candidates can be indexed).
// Only top-level `and` conjuncts are used: each must hold for the whole where
// to be True, and as they read only Timestamps they can never be Unknown.
#include <algorithm>

#include "rules/ast.h"
#include "rules/time_format.h"

namespace rules {
namespace {

using namespace detail;

__extension__ typedef __int128 Wide;  // exact intermediate arithmetic on tick offsets

constexpr int64_t kMin = INT64_MIN;
constexpr int64_t kMax = INT64_MAX;

int64_t clamp128(Wide v) {
  if (v <= static_cast<Wide>(kMin)) return kMin + 1;  // kMin itself means "no bound"
  if (v >= static_cast<Wide>(kMax)) return kMax - 1;
  return static_cast<int64_t>(v);
}

// lo <= x <= hi, INT64_MIN / INT64_MAX for an open side.
struct Interval {
  int64_t lo = kMin;
  int64_t hi = kMax;
  bool any() const { return lo != kMin || hi != kMax; }
};

Interval negate(Interval in) {
  Interval out;
  if (in.hi != kMax) out.lo = clamp128(-static_cast<Wide>(in.hi));
  if (in.lo != kMin) out.hi = clamp128(-static_cast<Wide>(in.lo));
  return out;
}

Interval shift(Interval in, int64_t by) {
  Interval out;
  if (in.lo != kMin) out.lo = clamp128(static_cast<Wide>(in.lo) + by);
  if (in.hi != kMax) out.hi = clamp128(static_cast<Wide>(in.hi) + by);
  return out;
}

// x OP k as an interval for x (integers: < k is <= k - 1).
std::optional<Interval> from_compare(CmpOp op, int64_t k) {
  Interval in;
  switch (op) {
    case CmpOp::Lt: in.hi = clamp128(static_cast<Wide>(k) - 1); break;
    case CmpOp::Le: in.hi = k; break;
    case CmpOp::Gt: in.lo = clamp128(static_cast<Wide>(k) + 1); break;
    case CmpOp::Ge: in.lo = k; break;
    case CmpOp::Eq: in.lo = in.hi = k; break;
    default: return std::nullopt;
  }
  return in;
}

CmpOp flip(CmpOp op) {
  switch (op) {
    case CmpOp::Lt: return CmpOp::Gt;
    case CmpOp::Le: return CmpOp::Ge;
    case CmpOp::Gt: return CmpOp::Lt;
    case CmpOp::Ge: return CmpOp::Le;
    default: return op;
  }
}

std::optional<int64_t> const_of(const Node& n, Type t) {
  if (n.kind != NodeKind::Literal || n.type != t) return std::nullopt;
  return static_cast<const LiteralNode&>(n).value.i;
}

// A Timestamp plus a constant shift: Timestamp, rpc.Timestamp + 1s, 2s + Timestamp.
struct Affine {
  std::optional<size_t> stage;  // nullopt: the current event
  int64_t shift = 0;
};

std::optional<Affine> affine(const Node& n) {
  if (n.kind == NodeKind::Field) {
    const auto& f = static_cast<const FieldNode&>(n);
    if (f.field != normalize::Field::Timestamp) return std::nullopt;
    return Affine{f.stage, 0};
  }
  if (n.kind != NodeKind::Arith) return std::nullopt;
  const auto& a = static_cast<const ArithNode&>(n);
  if (a.op == ArithOp::Add) {
    if (auto x = affine(*a.l)) {
      if (auto s = const_of(*a.r, Type::Timespan)) return Affine{x->stage, x->shift + *s};
    } else if (auto y = affine(*a.r)) {
      if (auto s = const_of(*a.l, Type::Timespan)) return Affine{y->stage, y->shift + *s};
    }
  } else if (a.op == ArithOp::Sub) {
    if (auto x = affine(*a.l))
      if (auto s = const_of(*a.r, Type::Timespan)) return Affine{x->stage, x->shift - *s};
  }
  return std::nullopt;
}

// The pair (current, anchor) of two affine Timestamps, and whether the
// current one came second.
struct Pair {
  size_t stage;
  int64_t current_shift, anchor_shift;
  bool swapped;
};
std::optional<Pair> pair_of(const std::optional<Affine>& x, const std::optional<Affine>& y) {
  if (!x || !y) return std::nullopt;
  if (!x->stage && y->stage) return Pair{*y->stage, x->shift, y->shift, false};
  if (x->stage && !y->stage) return Pair{*x->stage, y->shift, x->shift, true};
  return std::nullopt;
}

struct Found {
  size_t stage;
  TimeAtom atom;
};

TimeAtom offset_atom(Interval in) {
  TimeAtom a;
  a.kind = TimeAtom::Kind::Offset;
  a.lo = in.lo;
  a.hi = in.hi;
  return a;
}

// A "difference" operand: a value that is a function of T - R.
//   span: (T + a) - (R + b) as a timespan = (T - R) + (a - b)
//   boundary: datetime_diff(P, T + a, R + b) with a fixed-length period
// Given an interval for the operand, returns the atom on T relative to R.
std::optional<Found> diff_atom(const Node& n, Interval in) {
  if (n.kind == NodeKind::Arith) {
    const auto& a = static_cast<const ArithNode&>(n);
    if (a.op != ArithOp::Sub || a.type != Type::Timespan) return std::nullopt;
    auto p = pair_of(affine(*a.l), affine(*a.r));
    if (!p) return std::nullopt;
    // not swapped: value = (T - R) + (cs - as); swapped: value = -(T - R) + (as - cs)
    Interval t = p->swapped ? negate(shift(in, -(p->anchor_shift - p->current_shift)))
                            : shift(in, -(p->current_shift - p->anchor_shift));
    return Found{p->stage, offset_atom(t)};
  }
  if (n.kind == NodeKind::DatetimeDiff) {
    const auto& d = static_cast<const DatetimeDiffNode&>(n);
    std::optional<PeriodUnit> u = period_unit(d.period);
    if (!u) return std::nullopt;
    auto p = pair_of(affine(*d.a), affine(*d.b));
    if (!p) return std::nullopt;
    Interval t = p->swapped ? negate(in) : in;
    TimeAtom a;
    a.kind = TimeAtom::Kind::Boundary;
    a.lo = t.lo;
    a.hi = t.hi;
    a.unit = u->unit;
    a.origin = u->origin;
    a.current_shift = p->current_shift;
    a.anchor_shift = p->anchor_shift;
    return Found{p->stage, a};
  }
  return std::nullopt;
}

Type diff_const_type(const Node& n) { return n.kind == NodeKind::DatetimeDiff ? Type::Int : Type::Timespan; }

std::optional<Found> analyze(const Node& c) {
  if (c.kind == NodeKind::Between) {
    const auto& b = static_cast<const BetweenNode&>(c);
    if (b.negate) return std::nullopt;
    // diff between (k1 .. k2)
    Type kt = diff_const_type(*b.l);
    auto lo = const_of(*b.lo, kt);
    auto hi = const_of(*b.hi, kt);
    if (lo && hi) return diff_atom(*b.l, Interval{*lo, *hi});
    // Timestamp between (s.Timestamp + x .. s.Timestamp + y | span)
    auto t = affine(*b.l);
    if (!t || t->stage) return std::nullopt;
    auto l = affine(*b.lo);
    if (!l || !l->stage) return std::nullopt;
    int64_t hi_shift;
    if (auto h = affine(*b.hi); h && h->stage == l->stage) {
      hi_shift = h->shift;
    } else if (auto span = const_of(*b.hi, Type::Timespan)) {
      hi_shift = l->shift + *span;
    } else {
      return std::nullopt;
    }
    // R + ls <= T + ts <= R + hs  =>  ls - ts <= T - R <= hs - ts
    return Found{*l->stage, offset_atom(Interval{clamp128(static_cast<Wide>(l->shift) - t->shift),
                                                 clamp128(static_cast<Wide>(hi_shift) - t->shift)})};
  }
  if (c.kind == NodeKind::Compare) {
    const auto& cmp = static_cast<const CompareNode&>(c);
    // diff OP k  /  k OP diff
    if (auto k = const_of(*cmp.r, diff_const_type(*cmp.l)))
      if (auto in = from_compare(cmp.op, *k)) return diff_atom(*cmp.l, *in);
    if (auto k = const_of(*cmp.l, diff_const_type(*cmp.r)))
      if (auto in = from_compare(flip(cmp.op), *k)) return diff_atom(*cmp.r, *in);
    // T + a OP R + b
    auto p = pair_of(affine(*cmp.l), affine(*cmp.r));
    if (!p) return std::nullopt;
    CmpOp op = p->swapped ? flip(cmp.op) : cmp.op;
    // T + cs OP R + as  =>  T - R OP as - cs
    auto in = from_compare(op, clamp128(static_cast<Wide>(p->anchor_shift) - p->current_shift));
    if (!in) return std::nullopt;
    return Found{p->stage, offset_atom(*in)};
  }
  return std::nullopt;
}

void conjuncts(const Node& n, std::vector<const Node*>& out) {
  if (n.kind == NodeKind::And) {
    for (const NodePtr& k : static_cast<const LogicNode&>(n).kids) conjuncts(*k, out);
    return;
  }
  out.push_back(&n);
}

// Conservative offsets of one atom, for any anchor.
std::pair<int64_t, int64_t> atom_offsets(const TimeAtom& a) {
  if (a.kind == TimeAtom::Kind::Offset) return {a.lo, a.hi == kMax ? kMax : clamp128(static_cast<Wide>(a.hi) + 1)};
  Wide d = static_cast<Wide>(a.anchor_shift) - a.current_shift;
  int64_t mn = a.lo == kMin ? kMin : clamp128(d + (static_cast<Wide>(a.lo) - 1) * a.unit + 1);
  int64_t mx = a.hi == kMax ? kMax : clamp128(d + (static_cast<Wide>(a.hi) + 1) * a.unit);
  return {mn, mx};
}

TimeWindow atom_window(const TimeAtom& a, normalize::Ticks anchor) {
  TimeWindow w;
  if (a.kind == TimeAtom::Kind::Offset) {
    if (a.lo != kMin) w.begin = clamp128(static_cast<Wide>(anchor) + a.lo);
    if (a.hi != kMax) w.end = clamp128(static_cast<Wide>(anchor) + a.hi + 1);
    return w;
  }
  Wide k = floor_div(clamp128(static_cast<Wide>(anchor) + a.anchor_shift + a.origin), a.unit);
  Wide back = static_cast<Wide>(a.current_shift) + a.origin;
  if (a.lo != kMin) w.begin = clamp128((k + a.lo) * a.unit - back);
  if (a.hi != kMax) w.end = clamp128((k + a.hi + 1) * a.unit - back);
  return w;
}

}  // namespace

TimeWindow TimeBound::window(normalize::Ticks anchor) const {
  TimeWindow w;
  for (const TimeAtom& a : atoms) {
    TimeWindow x = atom_window(a, anchor);
    w.begin = std::max(w.begin, x.begin);
    w.end = std::min(w.end, x.end);
  }
  return w;
}

std::vector<TimeBound> Expression::time_bounds() const {
  std::vector<TimeBound> out;
  if (!prog_) return out;
  std::vector<const Node*> cs;
  conjuncts(*prog_->root, cs);
  for (const Node* c : cs) {
    std::optional<Found> f = analyze(*c);
    if (!f) continue;
    auto it = std::find_if(out.begin(), out.end(), [&](const TimeBound& b) { return b.stage == f->stage; });
    if (it == out.end()) {
      out.push_back(TimeBound{});
      it = out.end() - 1;
      it->stage = f->stage;
    }
    auto [mn, mx] = atom_offsets(f->atom);
    it->min_offset = std::max(it->min_offset, mn);
    it->max_offset = std::min(it->max_offset, mx);
    it->atoms.push_back(f->atom);
    it->sources.push_back(prog_->text.substr(c->begin, c->end - c->begin));
  }
  std::sort(out.begin(), out.end(), [](const TimeBound& a, const TimeBound& b) { return a.stage < b.stage; });
  return out;
}

std::vector<JoinKey> Expression::join_keys() const {
  std::vector<JoinKey> out;
  if (!prog_) return out;
  std::vector<const Node*> cs;
  conjuncts(*prog_->root, cs);
  for (const Node* c : cs) {
    if (c->kind != NodeKind::Compare) continue;
    const auto& cmp = static_cast<const CompareNode&>(*c);
    if (cmp.op != CmpOp::Eq && cmp.op != CmpOp::EqCi) continue;
    if (cmp.l->kind != NodeKind::Field || cmp.r->kind != NodeKind::Field) continue;
    const auto& a = static_cast<const FieldNode&>(*cmp.l);
    const auto& b = static_cast<const FieldNode&>(*cmp.r);
    if (!a.stage && b.stage)
      out.push_back(JoinKey{a.field, *b.stage, b.field, cmp.op == CmpOp::EqCi});
    else if (a.stage && !b.stage)
      out.push_back(JoinKey{b.field, *a.stage, a.field, cmp.op == CmpOp::EqCi});
  }
  return out;
}

}  // namespace rules
