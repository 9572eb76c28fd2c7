// services/s3/s3_xml.h — S3's XML: a small writer for responses and bounded parsing of
// request bodies (pugixml: no DTDs, no external entities).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <pugixml.hpp>

#include "common/status.h"

namespace ot::services::s3 {

inline constexpr const char* kS3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

class XmlOut {
 public:
  XmlOut() { out_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"; }
  XmlOut& Open(std::string_view name, bool with_namespace = false);
  XmlOut& Close(std::string_view name);
  XmlOut& Leaf(std::string_view name, std::string_view text);
  XmlOut& Leaf(std::string_view name, int64_t value) { return Leaf(name, std::to_string(value)); }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// Parses a request body (≤ max_bytes). MalformedXML on any syntax error or when the root
// element is not `root` (namespace prefixes ignored).
Result<std::shared_ptr<pugi::xml_document>> ParseXmlBody(std::string_view body, std::string_view root,
                                                         size_t max_bytes = 1 << 20);

// Child element by local name (ignores namespace prefixes).
pugi::xml_node Child(pugi::xml_node node, std::string_view name);
std::string ChildText(pugi::xml_node node, std::string_view name);

// "2026-11-30T10:14:03.000Z" as S3 writes LastModified.
std::string S3Time(int64_t millis);

}  // namespace ot::services::s3
