// trails/selector_impl.h — private: the parsed, validated and pre-compiled form of a
// SelectorSet (selectors.md). Shared by selectors.cc (validation, storage form) and
// selector_match.cc (the evaluator). Not part of the trails/ API.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "trails/selectors.h"

namespace ot::trails::selector_internal {

// ---- basic selectors (selectors.md §3) ------------------------------------------------------

enum class ReadWrite : uint8_t { kAll, kReadOnly, kWriteOnly };

enum class BasicKind : uint8_t { kS3Object, kLambdaFunction, kDynamoDbTable };

struct BasicDataResource {
  std::string type;                  // as given: "AWS::S3::Object", …
  std::vector<std::string> values;   // as given, order preserved (stored form)
  // Compiled:
  BasicKind kind = BasicKind::kS3Object;
  bool all = false;                        // an "all" value (arn:aws:s3, arn:aws:lambda, …)
  std::vector<std::string> specific;       // every other value (S3: ARN prefixes; others: exact ARNs)
  std::vector<std::string> bucket_arns;    // S3 only: "arn:aws:s3:::b" for each value "arn:aws:s3:::b/"
};

struct BasicSelector {
  ReadWrite read_write = ReadWrite::kAll;
  bool include_management = true;
  std::vector<BasicDataResource> data_resources;
  std::vector<std::string> exclude_sources;
};

// ---- advanced selectors (selectors.md §4) ---------------------------------------------------

enum class Field : uint8_t {
  kEventCategory,
  kReadOnly,
  kEventSource,
  kEventName,
  kEventType,
  kResourcesType,
  kResourcesArn,
  kUserIdentityArn,
  kSessionCredentialFromConsole,
  kErrorCode,
  kVpcEndpointId,
};

enum class Op : uint8_t { kEquals, kStartsWith, kEndsWith, kNotEquals, kNotStartsWith, kNotEndsWith };
inline constexpr int kOpCount = 6;

struct FieldSelector {
  std::string field;  // as given
  Field id = Field::kEventCategory;
  // Operators in the order given (stored form), each a non-empty list of values.
  std::vector<std::pair<Op, std::vector<std::string>>> ops;
};

enum class Category : uint8_t { kManagement, kData, kNetworkActivity };

struct AdvancedSelector {
  std::optional<std::string> name;
  std::vector<FieldSelector> fields;  // as given
  // Compiled:
  Category category = Category::kManagement;
  std::vector<uint32_t> scalar;  // indexes into fields: every condition but eventCategory/resources.*
  bool has_resource_type = false;
  std::string resource_type;     // resources.type Equals value (Data selectors)
  bool s3_object = false;        // resource_type == AWS::S3::Object
  std::vector<uint32_t> arn;     // indexes into fields: resources.ARN conditions
};

}  // namespace ot::trails::selector_internal

namespace ot::trails {

struct SelectorSet::Impl {
  bool advanced = false;
  std::vector<selector_internal::BasicSelector> basic;
  std::vector<selector_internal::AdvancedSelector> adv;
};

}  // namespace ot::trails
