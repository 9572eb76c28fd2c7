// auth/policy/policy.h — the IAM policy language, one engine for every kind of policy:
// S3 bucket policies, IAM identity policies, KMS key policies, SNS topic policies.
//
// Parse once (validation errors are MalformedPolicy), evaluate many times. Evaluation of a
// single policy yields Allow, explicit Deny or no match; combining several policies (identity
// + resource) is the caller's: explicit Deny anywhere wins, then any Allow, else implicit deny.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ot::auth::policy {

enum class PolicyKind {
  kIdentity,  // attached to a user/role: no Principal / NotPrincipal allowed
  kResource,  // bucket, key, topic policy: Principal or NotPrincipal required per statement
};

// Who is asking, as a resource policy's Principal element sees it.
struct PrincipalRef {
  enum class Type { kAws, kService, kAnonymous } type = Type::kAws;
  std::string arn;         // kAws: "arn:aws:iam::111122223333:root" / ":user/alice" /
                           //        "arn:aws:sts::111122223333:assumed-role/r/s"
  std::string account_id;  // kAws: the principal's account
  std::string service;     // kService: "cloudtrail.amazonaws.com"
};

struct RequestContext {
  std::string action;    // "s3:GetObject" (service prefix case-insensitive, as IAM)
  std::string resource;  // "arn:aws:s3:::bucket/key"
  PrincipalRef principal;
  // Condition keys and their values ("aws:SourceArn" → {"arn:..."}). Key names are matched
  // case-insensitively, as IAM does. Boolean keys hold "true"/"false"; dates ISO 8601 or
  // epoch seconds; IPs textual.
  std::map<std::string, std::vector<std::string>> keys;
};

enum class Decision { kNoMatch, kAllow, kDeny };

class Policy {
 public:
  virtual ~Policy() = default;
  // The decision of this policy alone for the request.
  virtual Decision Evaluate(const RequestContext& request) const = 0;
  // The policy document as given (for Get*Policy answers).
  virtual const std::string& text() const = 0;
};

// Parses and validates: Version ("2012-10-17" or "2008-10-17", optional), Statement (object
// or array), Sid (optional, unique), Effect (Allow|Deny), Principal / NotPrincipal ("*",
// {"AWS": arn | account id | "*" | list}, {"Service": name | list}; required for kResource,
// forbidden for kIdentity), Action / NotAction and Resource / NotResource (string or list,
// wildcards * and ?), Condition ({operator: {key: value | list}}), with the operators
// String{Equals,NotEquals,EqualsIgnoreCase,NotEqualsIgnoreCase,Like,NotLike},
// Arn{Equals,NotEquals,Like,NotLike}, Bool, Numeric{Equals,NotEquals,LessThan,
// LessThanEquals,GreaterThan,GreaterThanEquals}, Date{same six}, IpAddress, NotIpAddress,
// Null, each with an ...IfExists form (except Null) and ForAnyValue: / ForAllValues:
// prefixes. Errors: Status code "MalformedPolicy" (HTTP 400) with a message naming the
// problem. Bounded: at most 20 KB of text, 100 statements, nesting as the grammar allows.
Result<std::unique_ptr<Policy>> ParsePolicy(std::string_view text, PolicyKind kind);

// Evaluation notes (where IAM leaves room, what this engine does):
// - Principal "*" and {"AWS":"*"} are the same: every principal, including anonymous
//   callers and service principals. An account id / account root ARN matches every
//   kAws principal of that account (never a service or anonymous principal); a user ARN
//   that user (name compared case-insensitively, path included); a role ARN the role and
//   its assumed-role sessions (matched by account + role name, sessions carry no path).
//   "Federated" / "CanonicalUser" principals parse but match nothing. NotPrincipal is the
//   exact complement of Principal (a listed role also exempts its sessions).
// - A condition key absent from the request (or present with no values) makes the
//   operator false, except ...IfExists (true) and the negated operators (StringNotEquals,
//   StringNotLike, ArnNotEquals, ArnNotLike, NumericNotEquals, DateNotEquals,
//   NotIpAddress, ...NotEqualsIgnoreCase), which are true, as IAM documents.
//   ForAnyValue: on an absent key is false (...IfExists: true); ForAllValues: is true.
// - ArnEquals and ArnLike are the same operator (wildcards allowed), compared component by
//   component so '*' never spans a colon; a pattern with fewer than six components
//   matches nothing unless it is all '*'.
// - Policy variables (${aws:username}) are not substituted: they match literally.
// - Condition operator and element names are case-sensitive; condition key names are not.
// - Duplicate JSON object keys anywhere are MalformedPolicy. Numeric, Date, IpAddress,
//   Bool and Null policy values are validated at parse time; an unparseable request value
//   matches nothing. BinaryEquals is accepted (compares the base64 text).

// Variations on the grammar the services need beyond the defaults above.
struct ParseOptions {
  // Resource / NotResource required in every statement (identity, bucket, key and topic
  // policies). False for role trust policies, whose statements name no resource; a
  // statement without one then applies to any resource.
  bool require_resource = true;
  // Document size limit in bytes: 20 KB for bucket policies; KMS key policies allow 32 KB,
  // SNS topic policies 30 KB.
  size_t max_bytes = 20 * 1024;
};
Result<std::unique_ptr<Policy>> ParsePolicy(std::string_view text, PolicyKind kind,
                                            const ParseOptions& options);

// Combines decisions: any Deny → Deny; else any Allow → Allow; else NoMatch (implicit deny).
Decision Combine(std::initializer_list<Decision> decisions);

// IAM wildcard match: '*' any run (including empty), '?' one character. Case-sensitive
// unless `ignore_case`.
bool WildcardMatch(std::string_view pattern, std::string_view value, bool ignore_case = false);

}  // namespace ot::auth::policy
