#include "services/s3/s3_xml.h"

#include <cstdio>

#include "common/time.h"
#include "http/protocols/protocol.h"

namespace ot::services::s3 {

XmlOut& XmlOut::Open(std::string_view name, bool with_namespace) {
  out_ += '<';
  out_ += name;
  if (with_namespace) {
    out_ += " xmlns=\"";
    out_ += kS3Namespace;
    out_ += '"';
  }
  out_ += '>';
  return *this;
}

XmlOut& XmlOut::Close(std::string_view name) {
  out_ += "</";
  out_ += name;
  out_ += '>';
  return *this;
}

XmlOut& XmlOut::Leaf(std::string_view name, std::string_view text) {
  Open(name);
  out_ += http::XmlEscape(text);
  return Close(name);
}

namespace {
std::string_view LocalName(const char* name) {
  std::string_view n(name);
  auto colon = n.find(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}
}  // namespace

Result<std::shared_ptr<pugi::xml_document>> ParseXmlBody(std::string_view body, std::string_view root,
                                                         size_t max_bytes) {
  auto malformed = [] {
    return Status::Error("MalformedXML",
                         "The XML you provided was not well-formed or did not validate against our published schema", 400);
  };
  if (body.empty() || body.size() > max_bytes) return malformed();
  auto doc = std::make_shared<pugi::xml_document>();
  // parse_default minus DOCTYPE handling: pugixml never expands external or custom entities.
  auto result = doc->load_buffer(body.data(), body.size(), pugi::parse_default & ~pugi::parse_doctype);
  if (!result) return malformed();
  pugi::xml_node element = doc->document_element();
  if (!element || LocalName(element.name()) != root) return malformed();
  return doc;
}

pugi::xml_node Child(pugi::xml_node node, std::string_view name) {
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling())
    if (c.type() == pugi::node_element && LocalName(c.name()) == name) return c;
  return {};
}

std::string ChildText(pugi::xml_node node, std::string_view name) {
  pugi::xml_node c = Child(node, name);
  return c ? std::string(c.text().get()) : std::string();
}

std::string S3Time(int64_t millis) {
  std::string iso = FormatIso8601(millis / 1000);  // "...Z"
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%03d", static_cast<int>(((millis % 1000) + 1000) % 1000));
  return iso.substr(0, iso.size() - 1) + frac + "Z";
}

}  // namespace ot::services::s3
