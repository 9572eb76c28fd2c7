// common/header.h — one HTTP header as received or to be sent.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ot {

struct Header {
  std::string name;   // as received (any case)
  std::string value;  // as received
};
using Headers = std::vector<Header>;

// Case-insensitive lookup of the first header with this name; empty view when absent.
std::string_view FindHeader(const Headers& headers, std::string_view name);
bool HasHeader(const Headers& headers, std::string_view name);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string ToLower(std::string_view s);

}  // namespace ot
