// The rule expression language: a KQL subset compiled once into a tree of
// typed nodes (nothing is parsed per event) and evaluated with three-valued
// logic over normalized events.
//
//   Expression e = rules::compile(R"(FileName !in~ ("csc.exe") and
//                                    datetime_diff("second", Timestamp, rpc.Timestamp) between (0 .. 2))",
//                                 rules::Scope{{"rpc", "dcom"}, 1});
//   const normalize::NormalizedEvent* chain[] = {&rpc_event};
//   rules::Verdict v = e.test({&dcom_event, chain});
//   if (v.truth == rules::Truth::Unknown) e.unknown_fields(v.unknowns);  // {"rpc.Timestamp"}, ...
//
// The language (DESIGN.md, Rules):
//   operators  == != =~ !~ < <= > >=  contains !contains contains_cs !contains_cs
//              has !has has_cs !has_cs startswith !startswith startswith_cs !startswith_cs
//              endswith !endswith endswith_cs !endswith_cs  in !in in~ !in~  (list)
//              between !between (a .. b) (datetime .. timespan: a start and a length)
//              matches regex "re" (RE2 syntax as in Kusto, searched anywhere; (?i)
//              ignores case; linear time)  and or not(...)  + - * / %
//   literals   "..." '...' (escapes \\ \" \' \n \r \t \0 \uXXXX), @"verbatim", 42, 0x2A, 1.5,
//              true false, datetime(2019-04-30T20:35:11.856Z), 2s 5m 1h 1d 100ms 3tick,
//              timespan(2s), timespan(00:05:00)
//   fields     Field (the current stage's event), stage.Field (an earlier stage's event)
//   functions  datetime_diff(period, a, b) bin(x, size) floor(x, size) tolower(s) toupper(s)
//              isempty(x) isnotempty(x) strlen(s) extract("re", group, s)
//   lists      a rule's named list as an item of in / in~: FileName in~ (vetted)
// Case rules as in KQL: ==, !=, in, !in, *_cs are case-sensitive; =~, !~, in~,
// !in~, contains, has, startswith, endswith (and their ! forms) are not.
// `has` matches whole terms (maximal alphanumeric runs), `contains` substrings.
// datetime_diff counts period boundaries crossed, as Kusto does:
// floor(a / unit) - floor(b / unit) (weeks start on Sunday; month, quarter and
// year by calendar), so datetime_diff("second", 23:00:10.100, 23:00:00.900) is
// 10. bin floors to a multiple of the size, datetimes counted from 0001-01-01
// as Kusto counts them.
//
// Unknown values (a field the logs never showed): any operator or function
// with an Unknown operand gives Unknown, including isempty / isnotempty (an
// unknown value is not known to be empty). `and`: False if any operand is
// False, else Unknown if any is Unknown, else True. `or`: True if any is True,
// else Unknown if any is Unknown, else False. not(Unknown) is Unknown. An
// Unknown result names the fields that made it unknown (only operands that
// decided the result: `False and Unknown` is plain False). In `x in (a, b)` an
// Unknown item does not matter when another item matches. Arithmetic without
// a value (division by zero, overflow) is Unknown naming no field.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "normalize/normalized_event.h"
#include "rules/lexer.h"
#include "rules/value.h"

namespace rules {

namespace detail {
struct Program;
struct TimeAtom;
}  // namespace detail

// Names visible to an expression. Stage references are resolved to indexes at
// compile time.
struct Scope {
  std::vector<std::string> stages = {};  // stage names of the rule, in order
  size_t current = 0;                    // stage whose event unqualified fields read
  // false (a stage's where): stage.Field may name only stages before `current`
  // (naming `current` itself is the same as the unqualified field).
  // true (summarize): every stage may be named; stage.Field always reads the
  // chain's event of that stage.
  bool all_stages_visible = false;
  // Optional (summarize): the stage each unqualified field reads, indexed by
  // normalize::Field; its FieldRef name stays unqualified ("LastBootTime").
  std::vector<size_t> unqualified_field_stage = {};
  // Named lists of strings (a rule's `lists:`), usable as items of `in`:
  // FileName in~ (vetted_names). Not owned.
  const std::map<std::string, std::vector<std::string>>* lists = nullptr;
};

// What an expression reads while it evaluates.
struct EvalContext {
  const normalize::NormalizedEvent* current = nullptr;             // unqualified fields
  std::span<const normalize::NormalizedEvent* const> stages = {};  // stages[i]: event bound to stage i
};

enum class Truth : uint8_t { False, True, Unknown };

struct Verdict {
  Truth truth = Truth::False;
  UnknownSet unknowns = 0;  // Truth::Unknown: which field references made it unknown
};

// A distinct field reference of a compiled expression; its position in
// Expression::fields() is its bit in an UnknownSet.
struct FieldRef {
  std::optional<size_t> stage;  // nullopt: the current event
  normalize::Field field;
  std::string name;  // "LastBootTime", "rpc.Timestamp"
};

constexpr normalize::Ticks kNoLowerBound = INT64_MIN;
constexpr normalize::Ticks kNoUpperBound = INT64_MAX;

// Half-open [begin, end) range of Timestamps.
struct TimeWindow {
  normalize::Ticks begin = kNoLowerBound;
  normalize::Ticks end = kNoUpperBound;
  bool contains(normalize::Ticks t) const { return t >= begin && t < end; }
  bool empty() const { return begin >= end; }
};

namespace detail {
// One conjunct's constraint on T = current Timestamp given R = an earlier
// stage's Timestamp:
//   Offset:   lo <= T - R <= hi                                   (ticks)
//   Boundary: lo <= floor((T+a+o)/u) - floor((R+b+o)/u) <= hi     (datetime_diff with fixed-length unit u)
// INT64_MIN / INT64_MAX mean no bound on that side.
struct TimeAtom {
  enum class Kind : uint8_t { Offset, Boundary } kind = Kind::Offset;
  int64_t lo = INT64_MIN;
  int64_t hi = INT64_MAX;
  normalize::Ticks unit = 1, origin = 0, current_shift = 0, anchor_shift = 0;
};
}  // namespace detail

// The time window a where clause implies for its event relative to the
// Timestamp of an earlier stage, derived from top-level `and` conjuncts of the
// forms
//   datetime_diff(P, Timestamp, s.Timestamp) between (lo .. hi)   (P: fixed-length unit,
//   datetime_diff(...) <, <=, >, >=, == n                          i.e. week or shorter)
//   Timestamp - s.Timestamp between (span .. span) / compared with a timespan
//   Timestamp <, <=, >, >=, == s.Timestamp [+|- span]
//   Timestamp between (s.Timestamp [+|- span] .. s.Timestamp [+|- span] | span)
// (either argument order; a constant timespan may shift either side). Those
// conjuncts read only Timestamps, so they are never Unknown: an event outside
// the window cannot make the where True or Unknown, and a partial chain whose
// anchor is older than `now - max_offset` can be dropped.
struct TimeBound {
  size_t stage = 0;                             // the earlier stage whose Timestamp anchors the window
  normalize::Ticks min_offset = kNoLowerBound;  // any anchor R: the event's Timestamp >= R + min_offset
  normalize::Ticks max_offset = kNoUpperBound;  // any anchor R: the event's Timestamp <  R + max_offset
  std::vector<std::string> sources;             // text of the conjuncts it was derived from
  std::vector<detail::TimeAtom> atoms;

  bool bounded_above() const { return max_offset != kNoUpperBound; }
  // Exact window for a given anchor: with datetime_diff the boundaries depend
  // on where the anchor falls inside its second (datetime_diff("second",
  // Timestamp, rpc.Timestamp) between (0 .. 2) with rpc at 10:00:00.900 gives
  // [10:00:00.000, 10:00:03.000), while min/max_offset give (-1 s, +3 s)).
  TimeWindow window(normalize::Ticks anchor) const;
};

// A top-level conjunct `Field == s.Field` (or =~): the replay may index
// partial chains by the earlier stage's value. A candidate whose own field is
// Unknown makes that conjunct Unknown, not False, so it must not be excluded
// by such an index if Unknown matches are wanted.
struct JoinKey {
  normalize::Field field;        // of the current event
  size_t stage;                  // the earlier stage
  normalize::Field stage_field;  // of that stage's event
  bool case_insensitive;         // =~ : compare fold_case()d values (text_match.h)
};

class Expression {
 public:
  Expression();
  ~Expression();
  Expression(const Expression&);
  Expression& operator=(const Expression&);
  Expression(Expression&&) noexcept;
  Expression& operator=(Expression&&) noexcept;

  bool valid() const { return prog_ != nullptr; }
  const std::string& text() const;
  Type type() const;  // static type of the result (Bool for a where clause)

  // Thread-safe: a compiled expression is immutable.
  Value evaluate(const EvalContext& ctx) const;
  // For boolean expressions: True / False / Unknown (a non-bool known result is False).
  Verdict test(const EvalContext& ctx) const;
  // For a where clause: is one of its selecting tests true on this event? A
  // selecting test is a comparison that asks for something (==, =~, <, <=,
  // >, >=, contains, has, startswith, endswith, in, in~, between, matches
  // regex; not a negated one, nor one under not()) of a field of the event
  // itself (unqualified), other than the fields that only place the event
  // (Timestamp, LastBootTime, EventID, ActionType, DeviceId, DeviceName,
  // Provider, Channel, SourceFile, EventRecordID). A join (Field ==
  // stage.Field) selects; a time window or a boot condition does not.
  bool selects(const EvalContext& ctx) const;

  const std::vector<FieldRef>& fields() const;
  std::vector<std::string> unknown_fields(UnknownSet u) const;  // names in order of appearance
  std::vector<size_t> referenced_stages() const;                // qualified stage references, ascending

  std::vector<TimeBound> time_bounds() const;  // one per earlier stage that bounds this event's time
  std::vector<JoinKey> join_keys() const;

 private:
  friend Expression compile(std::string_view text, const Scope& scope);
  std::shared_ptr<const detail::Program> prog_;
};

// Compiles an expression; throws CompileError (offset into `text`) for syntax
// errors, unknown fields / stages / functions, references to a later stage,
// and type errors.
Expression compile(std::string_view text, const Scope& scope = {});
// As compile(), and the result must be boolean (a where clause).
Expression compile_predicate(std::string_view text, const Scope& scope = {});

}  // namespace rules
