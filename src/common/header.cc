#include "common/header.h"

namespace ot {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string_view FindHeader(const Headers& headers, std::string_view name) {
  for (auto& h : headers)
    if (EqualsIgnoreCase(h.name, name)) return h.value;
  return {};
}

bool HasHeader(const Headers& headers, std::string_view name) {
  for (auto& h : headers)
    if (EqualsIgnoreCase(h.name, name)) return true;
  return false;
}

}  // namespace ot
