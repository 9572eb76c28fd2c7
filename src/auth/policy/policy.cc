// auth/policy/policy.cc — parsing, validation and evaluation of IAM policy documents.
#include "auth/policy/policy.h"

#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>

#include <algorithm>
#include <charconv>
#include <optional>
#include <set>
#include <unordered_set>
#include <utility>

#include "auth/policy/values.h"
#include "auth/policy/wildcard.h"

namespace ot::auth::policy {
namespace {

namespace json = boost::json;
using internal::EqualsIgnoreCase;
using internal::IpNet;
using internal::ToLower;
using internal::WildcardPattern;

constexpr size_t kMaxStatements = 100;
constexpr size_t kMaxDepth = 16;  // the grammar needs 6

Status Malformed(std::string message) { return Status::Error("MalformedPolicy", std::move(message), 400); }

bool HasWildcard(std::string_view s) { return s.find_first_of("*?") != std::string_view::npos; }

bool IsAccountId(std::string_view s) {
  return s.size() == 12 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Splits "arn:partition:service:region:account:resource" (resource may hold colons).
// Returns fewer than 6 parts when the text has fewer than 5 colons.
std::vector<std::string_view> SplitArn(std::string_view arn) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (parts.size() < 5) {
    size_t colon = arn.find(':', start);
    if (colon == std::string_view::npos) break;
    parts.push_back(arn.substr(start, colon - start));
    start = colon + 1;
  }
  parts.push_back(arn.substr(start));
  return parts;
}

// --------------------------------------------------------------------------------------
// Strict JSON front end: Boost.JSON's parser, plus a pass that refuses duplicate object keys
// (a later "Condition" silently replacing an earlier one is not something to guess about).
// --------------------------------------------------------------------------------------

struct DuplicateKeyHandler {
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

  std::vector<std::set<std::string, std::less<>>> objects;
  std::string key;
  std::string duplicate;

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t, json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) {
    objects.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t, json::error_code&) {
    objects.pop_back();
    return true;
  }
  bool on_string_part(json::string_view, std::size_t, json::error_code&) { return true; }
  bool on_string(json::string_view, std::size_t, json::error_code&) { return true; }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    key.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code& ec) {
    key.append(s.data(), s.size());
    bool inserted = objects.back().insert(key).second;
    if (!inserted) {
      duplicate = key;
      ec = json::error::syntax;
      return false;
    }
    key.clear();
    return true;
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(int64_t, json::string_view, json::error_code&) { return true; }
  bool on_uint64(uint64_t, json::string_view, json::error_code&) { return true; }
  bool on_double(double, json::string_view, json::error_code&) { return true; }
  bool on_bool(bool, json::error_code&) { return true; }
  bool on_null(json::error_code&) { return true; }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }
};

Result<json::value> ParseJson(std::string_view text) {
  json::parse_options options;
  options.max_depth = kMaxDepth;
  {
    json::basic_parser<DuplicateKeyHandler> parser(options);
    json::error_code ec;
    size_t used = parser.write_some(false, text.data(), text.size(), ec);
    if (!parser.handler().duplicate.empty())
      return Malformed("Policy has a duplicate field: " + parser.handler().duplicate);
    if (ec) return Malformed("Policy is not valid JSON: " + ec.message());
    if (used != text.size()) return Malformed("Policy is not valid JSON: extra data after the document");
  }
  json::error_code ec;
  json::value value = json::parse(json::string_view(text.data(), text.size()), ec, {}, options);
  if (ec) return Malformed("Policy is not valid JSON: " + ec.message());
  return value;
}

// A string, or a non-empty list of strings.
bool StringList(const json::value& v, std::vector<std::string>* out) {
  if (const auto* s = v.if_string()) {
    out->emplace_back(s->data(), s->size());
    return true;
  }
  const auto* a = v.if_array();
  if (!a || a->empty()) return false;
  for (const auto& e : *a) {
    const auto* s = e.if_string();
    if (!s) return false;
    out->emplace_back(s->data(), s->size());
  }
  return true;
}

// --------------------------------------------------------------------------------------
// Principals
// --------------------------------------------------------------------------------------

// An AWS principal as named by an ARN (policy side or request side).
struct AwsArn {
  enum class Kind { kRoot, kUser, kRole, kAssumedRole, kFederatedUser } kind;
  std::string account;
  std::string resource;   // "user/path/alice", "role/path/R", "assumed-role/R/S", ...
  std::string role_name;  // kRole: last path segment; kAssumedRole: the role's name
  std::string session;    // kAssumedRole
};

std::optional<AwsArn> ParseAwsArn(std::string_view arn) {
  auto parts = SplitArn(arn);
  if (parts.size() != 6 || parts[0] != "arn" || parts[1].empty() || !parts[3].empty() ||
      !IsAccountId(parts[4]))
    return std::nullopt;
  std::string_view res = parts[5];
  AwsArn out;
  out.account = std::string(parts[4]);
  out.resource = std::string(res);
  auto named = [](std::string_view rest) {  // "path/.../name", non-empty name
    return !rest.empty() && rest.back() != '/' && rest.find("//") == std::string_view::npos;
  };
  if (parts[2] == "iam") {
    if (res == "root") {
      out.kind = AwsArn::Kind::kRoot;
      return out;
    }
    if (res.starts_with("user/") && named(res.substr(5))) {
      out.kind = AwsArn::Kind::kUser;
      return out;
    }
    if (res.starts_with("role/") && named(res.substr(5))) {
      out.kind = AwsArn::Kind::kRole;
      out.role_name = std::string(res.substr(res.rfind('/') + 1));
      return out;
    }
    return std::nullopt;
  }
  if (parts[2] == "sts") {
    if (res.starts_with("assumed-role/")) {
      std::string_view rest = res.substr(13);
      size_t slash = rest.find('/');
      if (slash == std::string_view::npos || slash == 0 || slash + 1 == rest.size() ||
          rest.find('/', slash + 1) != std::string_view::npos)
        return std::nullopt;
      out.kind = AwsArn::Kind::kAssumedRole;
      out.role_name = std::string(rest.substr(0, slash));
      out.session = std::string(rest.substr(slash + 1));
      return out;
    }
    if (res.starts_with("federated-user/") && res.size() > 15 &&
        res.find('/', 15) == std::string_view::npos) {
      out.kind = AwsArn::Kind::kFederatedUser;
      return out;
    }
  }
  return std::nullopt;
}

struct AwsPrincipalEntry {
  enum class Kind { kAny, kAccount, kArn } kind;
  std::string account;  // kAccount
  AwsArn arn;           // kArn (never kRoot: that is kAccount)
};

struct PrincipalSpec {
  bool any = false;  // "*" or {"AWS": "*"}
  std::vector<AwsPrincipalEntry> aws;
  std::vector<std::string> services;  // lower-cased
  // "Federated" and "CanonicalUser" are accepted for compatibility but match no request
  // principal this engine is given (PrincipalRef has no such types).
};

Status InvalidPrincipal(std::string_view type, std::string_view value) {
  return Malformed("Invalid principal in policy: \"" + std::string(type) + "\":\"" + std::string(value) + "\"");
}

Status ParsePrincipal(const json::value& v, PrincipalSpec* spec) {
  if (const auto* s = v.if_string()) {
    if (*s != "*") return Malformed("Invalid principal in policy: \"" + std::string(s->c_str()) + "\"");
    spec->any = true;
    return Status::Ok();
  }
  const auto* obj = v.if_object();
  if (!obj || obj->empty()) return Malformed("Invalid principal in policy");
  for (const auto& [name, value] : *obj) {
    std::vector<std::string> values;
    if (!StringList(value, &values)) return Malformed("Invalid principal in policy: " + std::string(name));
    if (name == "AWS") {
      for (const auto& p : values) {
        if (p == "*") {
          spec->any = true;
        } else if (IsAccountId(p)) {
          spec->aws.push_back({AwsPrincipalEntry::Kind::kAccount, p, {}});
        } else if (HasWildcard(p)) {
          return InvalidPrincipal("AWS", p);
        } else if (auto arn = ParseAwsArn(p)) {
          if (arn->kind == AwsArn::Kind::kRoot)
            spec->aws.push_back({AwsPrincipalEntry::Kind::kAccount, arn->account, {}});
          else
            spec->aws.push_back({AwsPrincipalEntry::Kind::kArn, {}, std::move(*arn)});
        } else {
          return InvalidPrincipal("AWS", p);
        }
      }
    } else if (name == "Service") {
      for (const auto& p : values) {
        bool ok = !p.empty() && p.size() <= 256 && !HasWildcard(p) &&
                  std::all_of(p.begin(), p.end(), [](char c) {
                    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                           c == '.' || c == '-' || c == '_';
                  });
        if (!ok) return InvalidPrincipal("Service", p);
        spec->services.push_back(ToLower(p));
      }
    } else if (name == "Federated" || name == "CanonicalUser") {
      for (const auto& p : values)
        if (p.empty() || HasWildcard(p)) return InvalidPrincipal(std::string(name), p);
    } else {
      return Malformed("Invalid principal in policy: unknown principal type " + std::string(name));
    }
  }
  return Status::Ok();
}

bool MatchAwsEntry(const AwsPrincipalEntry& entry, const PrincipalRef& who, const std::optional<AwsArn>& who_arn) {
  switch (entry.kind) {
    case AwsPrincipalEntry::Kind::kAny:
      return true;
    case AwsPrincipalEntry::Kind::kAccount: {
      const std::string& account = !who.account_id.empty() ? who.account_id
                                   : who_arn                ? who_arn->account
                                                            : who.account_id;
      return !account.empty() && account == entry.account;
    }
    case AwsPrincipalEntry::Kind::kArn: {
      if (!who_arn || who_arn->account != entry.arn.account) return false;
      const AwsArn& want = entry.arn;
      switch (want.kind) {
        case AwsArn::Kind::kUser:
          return who_arn->kind == AwsArn::Kind::kUser && EqualsIgnoreCase(who_arn->resource, want.resource);
        case AwsArn::Kind::kRole:
          if (who_arn->kind == AwsArn::Kind::kRole) return EqualsIgnoreCase(who_arn->resource, want.resource);
          return who_arn->kind == AwsArn::Kind::kAssumedRole && EqualsIgnoreCase(who_arn->role_name, want.role_name);
        case AwsArn::Kind::kAssumedRole:
          return who_arn->kind == AwsArn::Kind::kAssumedRole && EqualsIgnoreCase(who_arn->role_name, want.role_name) &&
                 who_arn->session == want.session;
        case AwsArn::Kind::kFederatedUser:
          return who_arn->kind == AwsArn::Kind::kFederatedUser && who_arn->resource == want.resource;
        case AwsArn::Kind::kRoot:
          return false;  // folded into kAccount at parse time
      }
      return false;
    }
  }
  return false;
}

// `who_arn`: ParseAwsArn(who.arn), parsed once per evaluation.
bool MatchPrincipal(const PrincipalSpec& spec, const PrincipalRef& who, const std::optional<AwsArn>& who_arn) {
  if (spec.any) return true;
  switch (who.type) {
    case PrincipalRef::Type::kAnonymous:
      return false;
    case PrincipalRef::Type::kService:
      return std::any_of(spec.services.begin(), spec.services.end(),
                         [&](const std::string& s) { return EqualsIgnoreCase(s, who.service); });
    case PrincipalRef::Type::kAws: {
      return std::any_of(spec.aws.begin(), spec.aws.end(),
                         [&](const AwsPrincipalEntry& e) { return MatchAwsEntry(e, who, who_arn); });
    }
  }
  return false;
}

// --------------------------------------------------------------------------------------
// Conditions
// --------------------------------------------------------------------------------------

enum class Family { kString, kStringIgnoreCase, kStringLike, kArn, kBool, kNumeric, kDate, kIp, kBinary, kNull };
enum class Cmp { kEq, kLt, kLe, kGt, kGe };

struct OperatorInfo {
  std::string_view name;
  Family family;
  bool negated;
  Cmp cmp;
};

constexpr OperatorInfo kOperators[] = {
    {"StringEquals", Family::kString, false, Cmp::kEq},
    {"StringNotEquals", Family::kString, true, Cmp::kEq},
    {"StringEqualsIgnoreCase", Family::kStringIgnoreCase, false, Cmp::kEq},
    {"StringNotEqualsIgnoreCase", Family::kStringIgnoreCase, true, Cmp::kEq},
    {"StringLike", Family::kStringLike, false, Cmp::kEq},
    {"StringNotLike", Family::kStringLike, true, Cmp::kEq},
    {"ArnEquals", Family::kArn, false, Cmp::kEq},
    {"ArnLike", Family::kArn, false, Cmp::kEq},
    {"ArnNotEquals", Family::kArn, true, Cmp::kEq},
    {"ArnNotLike", Family::kArn, true, Cmp::kEq},
    {"Bool", Family::kBool, false, Cmp::kEq},
    {"BinaryEquals", Family::kBinary, false, Cmp::kEq},
    {"NumericEquals", Family::kNumeric, false, Cmp::kEq},
    {"NumericNotEquals", Family::kNumeric, true, Cmp::kEq},
    {"NumericLessThan", Family::kNumeric, false, Cmp::kLt},
    {"NumericLessThanEquals", Family::kNumeric, false, Cmp::kLe},
    {"NumericGreaterThan", Family::kNumeric, false, Cmp::kGt},
    {"NumericGreaterThanEquals", Family::kNumeric, false, Cmp::kGe},
    {"DateEquals", Family::kDate, false, Cmp::kEq},
    {"DateNotEquals", Family::kDate, true, Cmp::kEq},
    {"DateLessThan", Family::kDate, false, Cmp::kLt},
    {"DateLessThanEquals", Family::kDate, false, Cmp::kLe},
    {"DateGreaterThan", Family::kDate, false, Cmp::kGt},
    {"DateGreaterThanEquals", Family::kDate, false, Cmp::kGe},
    {"IpAddress", Family::kIp, false, Cmp::kEq},
    {"NotIpAddress", Family::kIp, true, Cmp::kEq},
    {"Null", Family::kNull, false, Cmp::kEq},
};

enum class SetMode { kSingle, kForAnyValue, kForAllValues };

struct ConditionValue {
  std::string text;
  double number = 0;            // kNumeric
  int64_t millis = 0;           // kDate
  IpNet net;                    // kIp
  bool flag = false;            // kBool, kNull
  WildcardPattern like;         // kStringLike
  std::vector<WildcardPattern> arn_segments;  // kArn: the six ARN components
  bool arn_any = false;                       // kArn: "*"
};

struct Condition {
  const OperatorInfo* op = nullptr;
  SetMode set = SetMode::kSingle;
  bool if_exists = false;
  std::string key;  // as written; looked up case-insensitively
  std::vector<ConditionValue> values;
};

std::optional<bool> ParseBoolText(std::string_view s) {
  if (EqualsIgnoreCase(s, "true")) return true;
  if (EqualsIgnoreCase(s, "false")) return false;
  return std::nullopt;
}

// The text of a scalar condition value: strings as-is, booleans "true"/"false", numbers in
// their shortest decimal form.
std::optional<std::string> ScalarText(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string:
      return std::string(v.get_string().data(), v.get_string().size());
    case json::kind::bool_:
      return std::string(v.get_bool() ? "true" : "false");
    case json::kind::int64:
      return std::to_string(v.get_int64());
    case json::kind::uint64:
      return std::to_string(v.get_uint64());
    case json::kind::double_: {
      char buf[64];
      auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v.get_double());
      if (ec != std::errc()) return std::nullopt;
      return std::string(buf, ptr);
    }
    default:
      return std::nullopt;
  }
}

Result<const OperatorInfo*> LookupOperator(std::string_view name, SetMode* set, bool* if_exists) {
  std::string_view base = name;
  *set = SetMode::kSingle;
  if (base.starts_with("ForAnyValue:")) {
    *set = SetMode::kForAnyValue;
    base.remove_prefix(12);
  } else if (base.starts_with("ForAllValues:")) {
    *set = SetMode::kForAllValues;
    base.remove_prefix(13);
  }
  *if_exists = false;
  if (base.ends_with("IfExists")) {
    *if_exists = true;
    base.remove_suffix(8);
  }
  for (const auto& op : kOperators) {
    if (op.name != base) continue;
    if (op.family == Family::kNull && (*if_exists || *set != SetMode::kSingle)) break;
    return &op;
  }
  return Malformed("Unknown condition operator: " + std::string(name));
}

Status ParseConditionValue(const OperatorInfo& op, const json::value& raw, ConditionValue* out) {
  auto text = ScalarText(raw);
  if (!text) return Malformed("Invalid condition value for " + std::string(op.name) + ": must be a string, number or boolean");
  out->text = std::move(*text);
  auto invalid = [&] { return Malformed("Invalid condition value for " + std::string(op.name) + ": " + out->text); };
  switch (op.family) {
    case Family::kString:
    case Family::kStringIgnoreCase:
    case Family::kBinary:
      break;
    case Family::kStringLike:
      out->like = WildcardPattern(out->text, false);
      break;
    case Family::kArn: {
      auto parts = SplitArn(out->text);
      // Component by component, so a '*' never spans a colon. A value with fewer than six
      // components matches nothing, except all-'*' ("any ARN").
      if (parts.size() == 6) {
        for (auto part : parts) out->arn_segments.emplace_back(part, false);
      } else {
        out->arn_any = out->text.find_first_not_of('*') == std::string::npos;
      }
      break;
    }
    case Family::kBool:
    case Family::kNull: {
      auto b = ParseBoolText(out->text);
      if (!b) return invalid();
      out->flag = *b;
      break;
    }
    case Family::kNumeric: {
      auto n = internal::ParseNumber(out->text);
      if (!n) return invalid();
      out->number = *n;
      break;
    }
    case Family::kDate: {
      auto d = internal::ParseDateMillis(out->text);
      if (!d) return invalid();
      out->millis = *d;
      break;
    }
    case Family::kIp: {
      auto net = internal::ParseIpNet(out->text, true);
      if (!net) return invalid();
      out->net = *net;
      break;
    }
  }
  return Status::Ok();
}

Status ParseConditionBlock(const json::value& v, std::vector<Condition>* out) {
  const auto* block = v.if_object();
  if (!block) return Malformed("Condition must be an object of condition operators");
  for (const auto& [op_name, keys_value] : *block) {
    SetMode set;
    bool if_exists;
    auto op = LookupOperator(std::string_view(op_name.data(), op_name.size()), &set, &if_exists);
    if (!op.ok()) return op.status();
    const auto* keys = keys_value.if_object();
    if (!keys || keys->empty())
      return Malformed("Condition operator " + std::string(op_name) + " must map condition keys to values");
    for (const auto& [key, values] : *keys) {
      if (key.empty()) return Malformed("Condition key must not be empty");
      Condition c;
      c.op = *op;
      c.set = set;
      c.if_exists = if_exists;
      c.key = std::string(key);
      auto add = [&](const json::value& raw) {
        ConditionValue cv;
        OT_RETURN_IF_ERROR(ParseConditionValue(**op, raw, &cv));
        c.values.push_back(std::move(cv));
        return Status::Ok();
      };
      if (const auto* list = values.if_array()) {
        if (list->empty()) return Malformed("Condition value list for " + std::string(key) + " is empty");
        for (const auto& raw : *list) OT_RETURN_IF_ERROR(add(raw));
      } else {
        OT_RETURN_IF_ERROR(add(values));
      }
      out->push_back(std::move(c));
    }
  }
  return Status::Ok();
}

bool ArnMatches(const ConditionValue& pv, std::string_view value) {
  if (pv.arn_segments.empty()) return pv.arn_any;
  auto parts = SplitArn(value);
  if (parts.size() != 6) return false;
  for (size_t i = 0; i < 6; ++i)
    if (!pv.arn_segments[i].Match(parts[i])) return false;
  return true;
}

template <typename T>
bool Compare(Cmp cmp, T request, T policy) {
  switch (cmp) {
    case Cmp::kEq: return request == policy;
    case Cmp::kLt: return request < policy;
    case Cmp::kLe: return request <= policy;
    case Cmp::kGt: return request > policy;
    case Cmp::kGe: return request >= policy;
  }
  return false;
}

// Whether one request value satisfies the operator's positive form against one policy value.
bool BaseMatch(const OperatorInfo& op, const ConditionValue& pv, std::string_view rv) {
  switch (op.family) {
    case Family::kString:
    case Family::kBinary:
      return rv == pv.text;
    case Family::kStringIgnoreCase:
      return EqualsIgnoreCase(rv, pv.text);
    case Family::kStringLike:
      return pv.like.Match(rv);
    case Family::kArn:
      return ArnMatches(pv, rv);
    case Family::kBool: {
      auto b = ParseBoolText(rv);
      return b && *b == pv.flag;
    }
    case Family::kNumeric: {
      auto n = internal::ParseNumber(rv);
      return n && Compare(op.cmp, *n, pv.number);
    }
    case Family::kDate: {
      auto d = internal::ParseDateMillis(rv);
      return d && Compare(op.cmp, *d, pv.millis);
    }
    case Family::kIp: {
      auto ip = internal::ParseIpNet(rv, false);
      return ip && internal::IpInNet(pv.net, *ip);
    }
    case Family::kNull:
      return false;  // handled by the caller
  }
  return false;
}

std::vector<std::string_view> RequestValues(const RequestContext& request, std::string_view key) {
  std::vector<std::string_view> out;
  auto it = request.keys.find(std::string(key));
  if (it != request.keys.end()) {  // common case: the caller spelled it as the policy does
    for (const auto& v : it->second) out.emplace_back(v);
    return out;
  }
  for (const auto& [name, values] : request.keys)
    if (EqualsIgnoreCase(name, key))
      for (const auto& v : values) out.emplace_back(v);
  return out;
}

bool EvaluateCondition(const Condition& c, const RequestContext& request) {
  std::vector<std::string_view> values = RequestValues(request, c.key);
  const OperatorInfo& op = *c.op;
  if (op.family == Family::kNull) {
    bool absent = values.empty();
    return std::any_of(c.values.begin(), c.values.end(), [&](const ConditionValue& pv) { return pv.flag == absent; });
  }
  // Whether one request value matches the operator (negation included).
  auto value_matches = [&](std::string_view rv) {
    bool any = std::any_of(c.values.begin(), c.values.end(), [&](const ConditionValue& pv) { return BaseMatch(op, pv, rv); });
    return op.negated ? !any : any;
  };
  switch (c.set) {
    case SetMode::kSingle:
      // Missing key: false, except that ...IfExists and the negated operators are true
      // ("If the key that you specify in a policy condition is not present in the request
      // context ... the condition is false. If the policy condition requires that the key
      // is not matched, such as StringNotLike or ArnNotLike, and the right key is not
      // present, the condition is true.").
      if (values.empty()) return c.if_exists || op.negated;
      // Positive: some request value matches some policy value. Negated: no request value
      // matches any policy value.
      return op.negated ? std::all_of(values.begin(), values.end(), value_matches)
                        : std::any_of(values.begin(), values.end(), value_matches);
    case SetMode::kForAnyValue:
      if (values.empty()) return c.if_exists;
      return std::any_of(values.begin(), values.end(), value_matches);
    case SetMode::kForAllValues:
      return std::all_of(values.begin(), values.end(), value_matches);  // vacuously true when empty
  }
  return false;
}

// --------------------------------------------------------------------------------------
// Statements and the policy
// --------------------------------------------------------------------------------------

struct Statement {
  std::string sid;
  bool deny = false;
  bool has_principal = false;  // Principal or NotPrincipal present
  bool not_principal = false;
  PrincipalSpec principal;
  bool not_action = false;
  std::vector<WildcardPattern> actions;  // case-insensitive
  bool has_resource = false;
  bool not_resource = false;
  std::vector<WildcardPattern> resources;  // case-sensitive
  std::vector<Condition> conditions;
};

bool ValidAction(std::string_view a) {
  if (a == "*") return true;
  size_t colon = a.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == a.size()) return false;
  std::string_view service = a.substr(0, colon), name = a.substr(colon + 1);
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  if (!std::all_of(service.begin(), service.end(), [&](char c) { return alnum(c) || c == '-'; })) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) { return alnum(c) || c == '*' || c == '?' || c == '-' || c == '_'; });
}

bool ValidResource(std::string_view r) {
  if (r == "*") return true;
  if (!r.starts_with("arn:")) return false;
  return std::count(r.begin(), r.end(), ':') >= 5 || r.find('*') != std::string_view::npos;
}

Status ParseStatement(const json::value& v, PolicyKind kind, const ParseOptions& options, Statement* st) {
  const auto* obj = v.if_object();
  if (!obj) return Malformed("Statement must be an object");
  const json::value *effect = nullptr, *principal = nullptr, *not_principal = nullptr, *action = nullptr,
                    *not_action = nullptr, *resource = nullptr, *not_resource = nullptr, *condition = nullptr;
  for (const auto& [name, value] : *obj) {
    if (name == "Sid") {
      const auto* s = value.if_string();
      if (!s) return Malformed("Sid must be a string");
      st->sid = std::string(*s);
    } else if (name == "Effect") {
      effect = &value;
    } else if (name == "Principal") {
      principal = &value;
    } else if (name == "NotPrincipal") {
      not_principal = &value;
    } else if (name == "Action") {
      action = &value;
    } else if (name == "NotAction") {
      not_action = &value;
    } else if (name == "Resource") {
      resource = &value;
    } else if (name == "NotResource") {
      not_resource = &value;
    } else if (name == "Condition") {
      condition = &value;
    } else {
      return Malformed("Unknown field " + std::string(name) + " in statement");
    }
  }

  if (!effect) return Malformed("Missing required field Effect");
  const auto* effect_text = effect->if_string();
  if (!effect_text || (*effect_text != "Allow" && *effect_text != "Deny"))
    return Malformed("Invalid effect: " + (effect_text ? std::string(*effect_text) : json::serialize(*effect)));
  st->deny = *effect_text == "Deny";

  if (kind == PolicyKind::kIdentity) {
    if (principal || not_principal) return Malformed("Policy document should not specify a principal");
  } else {
    if (principal && not_principal) return Malformed("Statement cannot have both Principal and NotPrincipal");
    if (!principal && !not_principal) return Malformed("Missing required field Principal");
    st->has_principal = true;
    st->not_principal = not_principal != nullptr;
    OT_RETURN_IF_ERROR(ParsePrincipal(principal ? *principal : *not_principal, &st->principal));
  }

  if (action && not_action) return Malformed("Statement cannot have both Action and NotAction");
  if (!action && !not_action) return Malformed("Missing required field Action");
  st->not_action = not_action != nullptr;
  {
    std::vector<std::string> list;
    if (!StringList(action ? *action : *not_action, &list)) return Malformed("Policy has invalid action");
    for (const auto& a : list) {
      if (!ValidAction(a)) return Malformed("Policy has invalid action: " + a);
      st->actions.emplace_back(a, true);
    }
  }

  if (resource && not_resource) return Malformed("Statement cannot have both Resource and NotResource");
  if (resource || not_resource) {
    st->has_resource = true;
    st->not_resource = not_resource != nullptr;
    std::vector<std::string> list;
    if (!StringList(resource ? *resource : *not_resource, &list)) return Malformed("Policy has invalid resource");
    for (const auto& r : list) {
      if (!ValidResource(r)) return Malformed("Policy has invalid resource: " + r);
      st->resources.emplace_back(r, false);
    }
  } else if (options.require_resource) {
    return Malformed("Missing required field Resource");
  }

  if (condition) OT_RETURN_IF_ERROR(ParseConditionBlock(*condition, &st->conditions));
  return Status::Ok();
}

bool AnyMatch(const std::vector<WildcardPattern>& patterns, std::string_view value) {
  return std::any_of(patterns.begin(), patterns.end(), [&](const WildcardPattern& p) { return p.Match(value); });
}

bool StatementApplies(const Statement& st, const RequestContext& request, const std::optional<AwsArn>& who_arn) {
  if (st.has_principal && MatchPrincipal(st.principal, request.principal, who_arn) == st.not_principal) return false;
  if (AnyMatch(st.actions, request.action) == st.not_action) return false;
  if (st.has_resource && AnyMatch(st.resources, request.resource) == st.not_resource) return false;
  return std::all_of(st.conditions.begin(), st.conditions.end(),
                     [&](const Condition& c) { return EvaluateCondition(c, request); });
}

class ParsedPolicy final : public Policy {
 public:
  ParsedPolicy(std::string text, std::vector<Statement> statements)
      : text_(std::move(text)), statements_(std::move(statements)) {}

  Decision Evaluate(const RequestContext& request) const override {
    try {
      bool allowed = false;
      std::optional<AwsArn> who_arn;
      if (request.principal.type == PrincipalRef::Type::kAws) who_arn = ParseAwsArn(request.principal.arn);
      for (const auto& st : statements_) {
        if (!StatementApplies(st, request, who_arn)) continue;
        if (st.deny) return Decision::kDeny;
        allowed = true;
      }
      return allowed ? Decision::kAllow : Decision::kNoMatch;
    } catch (...) {
      return Decision::kDeny;  // out of memory mid-evaluation: fail closed
    }
  }

  const std::string& text() const override { return text_; }

 private:
  std::string text_;
  std::vector<Statement> statements_;
};

Result<std::unique_ptr<Policy>> Parse(std::string_view text, PolicyKind kind, const ParseOptions& options) {
  if (text.size() > options.max_bytes)
    return Malformed("Policy exceeds the maximum allowed document size of " + std::to_string(options.max_bytes) + " bytes");
  auto doc = ParseJson(text);
  if (!doc.ok()) return doc.status();
  const auto* root = doc->if_object();
  if (!root) return Malformed("Policy must be a JSON object");

  const json::value* statement = nullptr;
  for (const auto& [name, value] : *root) {
    if (name == "Version") {
      const auto* v = value.if_string();
      if (!v || (*v != "2012-10-17" && *v != "2008-10-17"))
        return Malformed("Invalid policy version: " + (v ? std::string(*v) : json::serialize(value)));
    } else if (name == "Id") {
      if (!value.is_string()) return Malformed("Id must be a string");
    } else if (name == "Statement") {
      statement = &value;
    } else {
      return Malformed("Unknown field " + std::string(name));
    }
  }
  if (!statement) return Malformed("Missing required field Statement");

  std::vector<const json::value*> raw;
  if (statement->is_object()) {
    raw.push_back(statement);
  } else if (const auto* list = statement->if_array()) {
    if (list->empty()) return Malformed("Policy has no statements");
    if (list->size() > kMaxStatements)
      return Malformed("Policy has too many statements (maximum " + std::to_string(kMaxStatements) + ")");
    for (const auto& s : *list) raw.push_back(&s);
  } else {
    return Malformed("Statement must be an object or a list of objects");
  }

  std::vector<Statement> statements(raw.size());
  std::unordered_set<std::string> sids;
  for (size_t i = 0; i < raw.size(); ++i) {
    OT_RETURN_IF_ERROR(ParseStatement(*raw[i], kind, options, &statements[i]));
    const std::string& sid = statements[i].sid;
    bool has_sid = raw[i]->get_object().contains("Sid");
    if (has_sid && !sids.insert(sid).second)
      return Malformed("Statement IDs (SID) in a single policy must be unique: " + sid);
  }
  return std::unique_ptr<Policy>(std::make_unique<ParsedPolicy>(std::string(text), std::move(statements)));
}

}  // namespace

Result<std::unique_ptr<Policy>> ParsePolicy(std::string_view text, PolicyKind kind, const ParseOptions& options) {
  try {
    return Parse(text, kind, options);
  } catch (const std::bad_alloc&) {
    return Status::Internal("out of memory parsing a policy");
  } catch (const std::exception& e) {
    return Malformed(std::string("Invalid policy: ") + e.what());
  } catch (...) {
    return Malformed("Invalid policy");
  }
}

Result<std::unique_ptr<Policy>> ParsePolicy(std::string_view text, PolicyKind kind) {
  return ParsePolicy(text, kind, ParseOptions{});
}

Decision Combine(std::initializer_list<Decision> decisions) {
  bool allowed = false;
  for (Decision d : decisions) {
    if (d == Decision::kDeny) return Decision::kDeny;
    if (d == Decision::kAllow) allowed = true;
  }
  return allowed ? Decision::kAllow : Decision::kNoMatch;
}

}  // namespace ot::auth::policy
