// Writes a protobuf message as YAML the way the KFP SDK writes PipelineSpec:
// the proto3 JSON mapping (lowerCamel names, defaults omitted, enums by name,
// 64-bit integers as strings, well-known types as their JSON forms) in block
// style with keys sorted. Every string is quoted when YAML would read it as
// something else, so user text cannot change the document's structure.
#pragma once

#include <google/protobuf/message.h>
#include <string>
#include <utility>
#include <vector>

namespace mlpc::kfp {

// `extra`: more top-level keys, each a message written the same way (a
// Struct-typed field such as deploymentSpec, without a JSON round trip).
std::string
toYaml(const google::protobuf::Message &message,
       const std::vector<std::pair<std::string, const google::protobuf::Message *>> &extra = {});
// A double as Python's repr() writes it (`1.0`, `0.5`, `1e-05`, `nan`), which
// is how the SDK writes numbers in CEL, JSON and header comments.
std::string pythonFloat(double d);
// A YAML scalar for `text`: plain when safe, else quoted and escaped.
std::string yamlString(const std::string &text);

} // namespace mlpc::kfp
