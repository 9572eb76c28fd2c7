// common/json_writer.h — appends compact JSON to a string without building a DOM.
//
// For hot paths (the record of every call, LookupEvents pages). The caller is responsible
// for structure (keys inside objects, commas are handled here).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ot {

// Appends `s` as a JSON string literal (quoted, escaped; invalid UTF-8 bytes are replaced
// by U+FFFD so the output is always valid JSON).
void AppendJsonString(std::string* out, std::string_view s);

class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  JsonWriter& BeginObject() { Sep(); out_->push_back('{'); first_ = true; return *this; }
  JsonWriter& EndObject() { out_->push_back('}'); first_ = false; return *this; }
  JsonWriter& BeginArray() { Sep(); out_->push_back('['); first_ = true; return *this; }
  JsonWriter& EndArray() { out_->push_back(']'); first_ = false; return *this; }
  JsonWriter& Key(std::string_view k) {
    Sep();
    AppendJsonString(out_, k);
    out_->push_back(':');
    first_ = true;  // the value follows without a comma
    return *this;
  }
  JsonWriter& String(std::string_view v) { Sep(); AppendJsonString(out_, v); return *this; }
  JsonWriter& Bool(bool v) { Sep(); out_->append(v ? "true" : "false"); return *this; }
  JsonWriter& Null() { Sep(); out_->append("null"); return *this; }
  JsonWriter& Int(int64_t v) { Sep(); out_->append(std::to_string(v)); return *this; }
  JsonWriter& Double(double v);
  // Already-serialized JSON.
  JsonWriter& Raw(std::string_view json) { Sep(); out_->append(json); return *this; }

 private:
  void Sep() {
    if (!first_) out_->push_back(',');
    first_ = false;
  }
  std::string* out_;
  bool first_ = true;
};

}  // namespace ot
