#include "backends/kfp/KfpBackend.h"
#include "ir/Accelerators.h"
#include "ir/Quantities.h"

#include "backends/kfp/ProtoYaml.h"
#include "backends/kfp/pipeline_spec.pb.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <fmt/format.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <llvm/Support/JSON.h>
#include <map>
#include <optional>
#include <regex>
#include <set>

namespace mlpc::kfp {

namespace mp = ml_pipelines;
namespace pb = google::protobuf;
using ir::cpuCores;
using ir::memoryGigabytes;
using Container = mp::PipelineDeploymentConfig::PipelineContainerSpec;

std::string sanitizeName(const std::string &name) {
  std::string out;
  for (char c : name) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool ok = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9');
    if (ok)
      out += l;
    else if (!out.empty() && out.back() != '-')
      out += '-';
  }
  while (!out.empty() && out.back() == '-')
    out.pop_back();
  return out;
}

namespace {

mp::ParameterType::ParameterTypeEnum parameterType(const ir::Type &t) {
  switch (t.kind_case()) {
  case ir::Type::kScalar:
    switch (t.scalar()) {
    case ir::INT:
      return mp::ParameterType::NUMBER_INTEGER;
    case ir::FLOAT:
      return mp::ParameterType::NUMBER_DOUBLE;
    case ir::BOOL:
      return mp::ParameterType::BOOLEAN;
    default:
      return mp::ParameterType::STRING;
    }
  case ir::Type::kList:
    return mp::ParameterType::LIST;
  case ir::Type::kMap:
  case ir::Type::kRecord:
    return mp::ParameterType::STRUCT;
  case ir::Type::kStatus:
    return mp::ParameterType::TASK_FINAL_STATUS;
  case ir::Type::kColumn:
    return mp::ParameterType::STRING;
  default:
    return mp::ParameterType::STRING;
  }
}

// mlpc constants as google.protobuf.Value (KFP's numbers are doubles).
pb::Value toValue(const ir::Value &v) {
  pb::Value out;
  switch (v.kind_case()) {
  case ir::Value::kIntValue:
    out.set_number_value(static_cast<double>(v.int_value()));
    break;
  case ir::Value::kFloatValue:
    out.set_number_value(v.float_value());
    break;
  case ir::Value::kStringValue:
    out.set_string_value(v.string_value());
    break;
  case ir::Value::kBoolValue:
    out.set_bool_value(v.bool_value());
    break;
  case ir::Value::kListValue:
    for (const ir::Value &e : v.list_value().values())
      *out.mutable_list_value()->add_values() = toValue(e);
    out.mutable_list_value();
    break;
  case ir::Value::kMapValue:
    for (const auto &[k, e] : v.map_value().fields())
      (*out.mutable_struct_value()->mutable_fields())[k] = toValue(e);
    out.mutable_struct_value();
    break;
  default:
    out.set_null_value(pb::NULL_VALUE);
    break;
  }
  return out;
}

// The value of an expression made only of constants (`[16, 32]`), if it is one.
bool constantOf(const ir::Expr &e, ir::Value *out) {
  if (e.has_constant()) {
    *out = e.constant();
    return true;
  }
  if (e.has_list()) {
    ir::ListValue *list = out->mutable_list_value();
    for (const ir::Expr &el : e.list().elements())
      if (!constantOf(el, list->add_values()))
        return false;
    return true;
  }
  if (e.has_map()) {
    ir::MapValue *map = out->mutable_map_value();
    for (const auto &[k, v] : e.map().entries())
      if (!constantOf(v, &(*map->mutable_fields())[k]))
        return false;
    return true;
  }
  return false;
}

// A call to a `@dataflow` pipeline launches its Flex Template with GCPC's
// DataflowFlexTemplateJobOp and waits for the job with WaitGcpResourcesOp, as
// a KFP SDK pipeline would. The IR gets these components (and, for a job with
// artifacts, the task that holds them) under these names before lowering.
const char *const kFlexTemplate = "std.gcp.dataflow_flex_template";
const char *const kWaitGcpResources = "mlpc.gcpc.wait_gcp_resources";
const char *const kJobArgs = "mlpc.dataflow_job."; // + the pipeline's name
const char *const kGcpcImage = "gcr.io/ml-pipeline/google-cloud-pipeline-components:2.22.0";

// Writes the Flex Template's `parameters` (a JSON object) to the file named by
// its first argument, from the name/value pairs after it.
const char *const kJobArgsScript = R"(import json
import os
import sys

out, pairs = sys.argv[1], sys.argv[2:]
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, "w") as f:
    json.dump(dict(zip(pairs[0::2], pairs[1::2])), f)
)";

ir::CommandArg literalArg(const std::string &text) {
  ir::CommandArg a;
  a.set_literal(text);
  return a;
}

// GCPC's WaitGcpResourcesOp, whose input and output are both `gcp_resources`
// (which a .mlp component cannot declare).
ir::Component waitGcpResourcesComponent() {
  ir::Component c;
  c.set_name(kWaitGcpResources);
  for (auto *list :
       {c.mutable_interface()->mutable_inputs(), c.mutable_interface()->mutable_outputs()}) {
    ir::Parameter *p = list->Add();
    p->set_name("gcp_resources");
    p->mutable_type()->set_scalar(ir::STRING);
  }
  ir::ContainerImpl *ci = c.mutable_container();
  ci->set_image(kGcpcImage);
  for (const char *part :
       {"python3", "-u", "-m",
        "google_cloud_pipeline_components.container.v1.wait_gcp_resources.launcher"})
    *ci->add_command() = literalArg(part);
  for (const char *part : {"--type", "Wait", "--project", "", "--location", "", "--payload"})
    *ci->add_args() = literalArg(part);
  ci->add_args()->set_input_value("gcp_resources");
  *ci->add_args() = literalArg("--gcp_resources");
  ci->add_args()->set_output_path("gcp_resources");
  return c;
}

bool hasArtifacts(const ir::Pipeline &job) {
  for (const auto *list : {&job.interface().inputs(), &job.interface().outputs()})
    for (const ir::Parameter &p : *list)
      if (p.is_artifact())
        return true;
  return false;
}

// A job with artifacts reads and writes them at URIs given as parameters
// named as its inputs and outputs. This task runs before the launch: it takes
// the job's input artifacts and declares its output artifacts (so KFP tracks
// them and consumers read them from it), and writes the template's
// `parameters`: every parameter's value and every artifact's URI, as KFP's
// placeholders give them, passed as arguments (never through a shell).
ir::Component jobArgsComponent(const ir::Pipeline &job) {
  ir::Component c;
  c.set_name(kJobArgs + job.name());
  *c.mutable_interface()->mutable_inputs() = job.interface().inputs();
  for (const ir::Parameter &out : job.interface().outputs())
    if (out.is_artifact())
      *c.mutable_interface()->add_outputs() = out;
  ir::Parameter *params = c.mutable_interface()->add_outputs();
  params->set_name("parameters");
  params->mutable_type()->mutable_map()->set_scalar(ir::STRING);
  ir::ContainerImpl *ci = c.mutable_container();
  ci->set_image("python:3.11-slim");
  for (const char *part : {"python3", "-c", kJobArgsScript})
    *ci->add_command() = literalArg(part);
  ci->add_args()->set_output_path("parameters");
  for (const ir::Parameter &in : job.interface().inputs()) {
    ir::CommandArg pair[2] = {literalArg(in.name()), {}};
    if (in.is_artifact())
      pair[1].set_input_uri(in.name());
    else
      pair[1].set_input_value(in.name());
    if (in.optional() && !in.has_default_value()) {
      ir::IfPresentArg *ip = ci->add_args()->mutable_if_present();
      ip->set_input(in.name());
      *ip->add_then() = pair[0];
      *ip->add_then() = pair[1];
    } else {
      *ci->add_args() = pair[0];
      *ci->add_args() = pair[1];
    }
  }
  for (const ir::Parameter &out : job.interface().outputs())
    if (out.is_artifact()) {
      *ci->add_args() = literalArg(out.name());
      ci->add_args()->set_output_uri(out.name());
    }
  std::string gpu = ir::lowerDataflowAccelerator(job.dataflow()).serviceOption;
  if (!gpu.empty()) {
    *ci->add_args() = literalArg("dataflow_service_options");
    *ci->add_args() = literalArg(gpu);
  }
  return c;
}

class Lowering {
public:
  Lowering(const ir::Module &m, const KfpOptions &o) : m_(m), o_(o) {}

  KfpResult run() {
    KfpResult result;
    const ir::Pipeline &p = m_.pipelines().at(m_.root_pipeline());
    rootLocation_ = p.location();
    std::string name = sanitizeName(p.name());
    // KFP's and Vertex AI's rule for pipeline names (checked when a run is submitted).
    static const std::regex nameRe("^[a-z][a-z0-9-]{0,127}$");
    if (!std::regex_match(name, nameRe))
      error(p.location(),
            fmt::format("pipeline name `{}` becomes `{}` in KFP, which does not match "
                        "`[a-z][-a-z0-9]{{0,127}}` ({} characters)",
                        p.name(), name, name.size()),
            "KFP and Vertex AI reject the run when it is submitted; use a shorter name "
            "(at most 128 letters, digits and dashes once sanitised)");
    spec_.mutable_pipeline_info()->set_name(name);
    // KFP reads `comp-<pipeline name>` as the pipeline's own component when it
    // loads the file (a component compiled alone), so no other component takes that key.
    if (p.wraps_component().empty())
      componentKeys_.insert(name);
    // The SDK keeps a lone component's description for the header only.
    if (!p.description().empty() && p.wraps_component().empty())
      spec_.mutable_pipeline_info()->set_description(p.description());
    spec_.set_sdk_version(o_.sdkVersion);
    spec_.set_schema_version("2.1.0");
    DagScope &root = scopes_.emplace_back();
    root.comp = spec_.mutable_root();
    interface(p.interface(), root.comp);
    root.comp->mutable_dag();
    lowerDag(p.body(), root);
    for (const ir::PipelineOutput &out : p.outputs())
      pipelineOutput(out, root);
    writeDependencies();
    if (o_.shareExecutors)
      shareIdentical();
    if (!errors_.empty()) {
      result.errors = errors_;
      return result;
    }
    // deploymentSpec is a Struct holding the PipelineDeploymentConfig: written
    // from the message itself, as its JSON mapping would be.
    result.yaml = header(p) + toYaml(spec_, {{"deploymentSpec", &deployment_}});
    if (!executorPlatform_.empty()) {
      pb::Struct platform;
      pb::Struct *executors = (*(*(*platform.mutable_fields())["platforms"]
                                      .mutable_struct_value()
                                      ->mutable_fields())["kubernetes"]
                                    .mutable_struct_value()
                                    ->mutable_fields())["deploymentSpec"]
                                  .mutable_struct_value();
      for (const auto &[exec, config] : executorPlatform_)
        *(*(*executors->mutable_fields())["executors"]
               .mutable_struct_value()
               ->mutable_fields())[exec]
             .mutable_struct_value() = config;
      result.yaml += "---\n" + toYaml(platform);
    }
    return result;
  }

private:
  // Errors point at the construct, or at the pipeline when the IR has no location for it.
  void error(const ir::SourceLocation &loc, const std::string &msg, const std::string &help) {
    KfpError e{loc.file().empty() ? rootLocation_ : loc, msg, help};
    errors_.push_back(std::move(e));
  }
  void unsupported(const ir::SourceLocation &loc, const std::string &what,
                   const std::string &help = "") {
    error(loc, what + " cannot be lowered to KFP's pipeline IR",
          help.empty() ? "build it for another target (`--target=ir`), or restructure it" : help);
  }

  std::string header(const ir::Pipeline &p) {
    std::string h = "# PIPELINE DEFINITION\n# Name: " + spec_.pipeline_info().name() + "\n";
    if (!p.description().empty())
      h += "# Description: " +
           std::regex_replace(p.description(), std::regex("\n"), "\n#              ") + "\n";
    if (p.interface().inputs_size()) {
      h += "# Inputs:\n";
      for (const ir::Parameter *in : byName(p.interface().inputs())) {
        h += fmt::format("#    {}: {}", in->name(), typeWord(in->type()));
        if (in->has_default_value())
          h += " [Default: " + defaultText(in->default_value()) + "]";
        h += "\n";
      }
    }
    if (p.interface().outputs_size()) {
      h += "# Outputs:\n";
      for (const ir::Parameter *out : byName(p.interface().outputs()))
        h += fmt::format("#    {}: {}\n", out->name(), typeWord(out->type()));
    }
    return h;
  }

  // The header lists inputs and outputs sorted by name, as the SDK does.
  static std::vector<const ir::Parameter *>
  byName(const pb::RepeatedPtrField<ir::Parameter> &params) {
    std::vector<const ir::Parameter *> sorted;
    for (const ir::Parameter &p : params)
      sorted.push_back(&p);
    std::sort(sorted.begin(), sorted.end(),
              [](const ir::Parameter *a, const ir::Parameter *b) { return a->name() < b->name(); });
    return sorted;
  }

  std::string typeWord(const ir::Type &t) {
    if (t.has_artifact() || (t.has_list() && t.list().has_artifact()))
      return artifactType(t).schema_title();
    switch (parameterType(t)) {
    case mp::ParameterType::NUMBER_INTEGER:
      return "int";
    case mp::ParameterType::NUMBER_DOUBLE:
      return "float";
    case mp::ParameterType::BOOLEAN:
      return "bool";
    case mp::ParameterType::LIST:
      return "list";
    case mp::ParameterType::STRUCT:
      return "dict";
    case mp::ParameterType::TASK_FINAL_STATUS:
      return "PipelineTaskFinalStatus";
    default:
      return "str";
    }
  }

  // A default as the SDK's header shows it: Python's repr of the value after a
  // protobuf round trip (numbers are floats: 10 -> 10.0), on one line.
  static std::string defaultText(const ir::Value &v) {
    switch (v.kind_case()) {
    case ir::Value::kIntValue:
      return pythonFloat(static_cast<double>(v.int_value()));
    case ir::Value::kFloatValue:
      return pythonFloat(v.float_value());
    case ir::Value::kStringValue:
      return pythonRepr(v.string_value());
    case ir::Value::kBoolValue:
      return v.bool_value() ? "True" : "False";
    case ir::Value::kListValue: {
      std::vector<std::string> items;
      for (const ir::Value &e : v.list_value().values())
        items.push_back(defaultText(e));
      return "[" + join(items, ", ") + "]";
    }
    case ir::Value::kMapValue: {
      std::map<std::string, const ir::Value *> sorted; // the IR keeps no key order
      for (const auto &[k, e] : v.map_value().fields())
        sorted[k] = &e;
      std::vector<std::string> items;
      for (const auto &[k, e] : sorted)
        items.push_back(pythonRepr(k) + ": " + defaultText(*e));
      return "{" + join(items, ", ") + "}";
    }
    default:
      return "None";
    }
  }

  // Python's repr() of a string: single quotes unless it holds only the
  // other kind; escapes keep it on one line.
  static std::string pythonRepr(const std::string &s) {
    char quote = s.find('\'') != std::string::npos && s.find('"') == std::string::npos ? '"' : '\'';
    std::string out(1, quote);
    for (char c : s) {
      unsigned char u = static_cast<unsigned char>(c);
      if (c == '\\' || c == quote)
        out += '\\', out += c;
      else if (c == '\n')
        out += "\\n";
      else if (c == '\r')
        out += "\\r";
      else if (c == '\t')
        out += "\\t";
      else if (u < 0x20 || u == 0x7f)
        out += fmt::format("\\x{:02x}", u);
      else
        out += c;
    }
    return out + quote;
  }

  // The KFP type of an artifact, or of the elements of an artifact list.
  mp::ArtifactTypeSchema artifactType(const ir::Type &type) {
    const ir::Type &t = type.has_list() ? type.list() : type;
    mp::ArtifactTypeSchema s;
    auto it = m_.artifact_types().find(t.artifact().type());
    s.set_schema_title(it == m_.artifact_types().end() ? "system.Artifact"
                                                       : it->second.kfp_schema_title());
    s.set_schema_version(it == m_.artifact_types().end() ? "0.0.1" : it->second.schema_version());
    return s;
  }

  void interface(const ir::Interface &iface, mp::ComponentSpec *c) {
    for (const ir::Parameter &in : iface.inputs()) {
      if (in.is_artifact()) {
        auto &a = (*c->mutable_input_definitions()->mutable_artifacts())[in.name()];
        *a.mutable_artifact_type() = artifactType(in.type());
        a.set_is_artifact_list(in.type().has_list());
        a.set_is_optional(in.optional());
        a.set_description(unwrap(in.description()));
        continue;
      }
      auto &pspec = (*c->mutable_input_definitions()->mutable_parameters())[in.name()];
      pspec.set_parameter_type(parameterType(in.type()));
      if (in.has_default_value())
        *pspec.mutable_default_value() = toValue(in.default_value());
      // KFP fills a final-status input itself; the SDK marks it optional.
      pspec.set_is_optional(in.optional() || in.type().status());
      pspec.set_description(unwrap(in.description()));
    }
    for (const ir::Parameter &out : iface.outputs()) {
      if (out.is_artifact()) {
        auto &a = (*c->mutable_output_definitions()->mutable_artifacts())[out.name()];
        *a.mutable_artifact_type() = artifactType(out.type());
        a.set_is_artifact_list(out.type().has_list());
        a.set_description(unwrap(out.description()));
      } else {
        auto &pspec = (*c->mutable_output_definitions()->mutable_parameters())[out.name()];
        pspec.set_parameter_type(parameterType(out.type()));
        pspec.set_description(unwrap(out.description()));
      }
    }
  }

  // A doc comment's lines joined into paragraphs: one line break is a space,
  // a blank line stays (the SDK's descriptions are docstring paragraphs).
  static std::string unwrap(const std::string &doc) {
    std::string out;
    for (size_t i = 0; i < doc.size(); ++i) {
      if (doc[i] != '\n') {
        out += doc[i];
        continue;
      }
      size_t run = i;
      while (run < doc.size() && doc[run] == '\n')
        ++run;
      out += run - i > 1 ? "\n\n" : " ";
      i = run - 1;
    }
    return out;
  }

  // ---- Container command lines ----

  std::string placeholder(const ir::CommandArg &a, const ir::Component &comp) {
    auto isOutputParam = [&](const std::string &name) {
      for (const ir::Parameter &o : comp.interface().outputs())
        if (o.name() == name)
          return !o.is_artifact();
      return false;
    };
    switch (a.kind_case()) {
    case ir::CommandArg::kLiteral:
      return a.literal();
    case ir::CommandArg::kInputValue:
      return fmt::format("{{{{$.inputs.parameters['{}']}}}}", a.input_value());
    case ir::CommandArg::kInputPath:
      return fmt::format("{{{{$.inputs.artifacts['{}'].path}}}}", a.input_path());
    case ir::CommandArg::kInputUri:
      return fmt::format("{{{{$.inputs.artifacts['{}'].uri}}}}", a.input_uri());
    case ir::CommandArg::kOutputPath:
      return isOutputParam(a.output_path())
                 ? fmt::format("{{{{$.outputs.parameters['{}'].output_file}}}}", a.output_path())
                 : fmt::format("{{{{$.outputs.artifacts['{}'].path}}}}", a.output_path());
    case ir::CommandArg::kOutputUri:
      return fmt::format("{{{{$.outputs.artifacts['{}'].uri}}}}", a.output_uri());
    case ir::CommandArg::kConcat:
      if (!a.concat().explicit_placeholder() && inlinable(a.concat()))
        return inlineConcat(a.concat(), comp);
      return structuredPlaceholder(a, comp);
    case ir::CommandArg::kIfPresent:
      return structuredPlaceholder(a, comp);
    default:
      return "";
    }
  }

  // An interpolated string is one string with its placeholders inline (KFP
  // substitutes placeholders anywhere in an argument), as the SDK writes an
  // f-string; one holding a structured placeholder stays a Concat.
  static bool inlinable(const ir::ConcatArg &c) {
    for (const ir::CommandArg &p : c.parts())
      if (p.has_concat() || p.has_if_present())
        return false;
    return true;
  }
  std::string inlineConcat(const ir::ConcatArg &c, const ir::Component &comp) {
    std::string out;
    for (const ir::CommandArg &p : c.parts())
      out += placeholder(p, comp);
    return out;
  }

  // Concat and IfPresent placeholders are JSON text, written as the SDK's
  // json.dumps writes them (", " and ": " separators, keys in its order,
  // non-ASCII escaped), with nested placeholders as objects, not strings.
  std::string structuredPlaceholder(const ir::CommandArg &a, const ir::Component &comp) {
    auto list = [&](const auto &args) {
      std::vector<std::string> items;
      for (const ir::CommandArg &p : args)
        items.push_back(p.has_concat() || p.has_if_present()
                            ? structuredPlaceholder(p, comp)
                            : pythonJsonString(placeholder(p, comp)));
      return "[" + join(items, ", ") + "]";
    };
    if (a.has_concat())
      return "{\"Concat\": " + list(a.concat().parts()) + "}";
    const ir::IfPresentArg &ip = a.if_present();
    std::string body =
        "\"InputName\": " + pythonJsonString(ip.input()) + ", \"Then\": " + list(ip.then());
    if (ip.otherwise_size())
      body += ", \"Else\": " + list(ip.otherwise());
    return "{\"IfPresent\": {" + body + "}}";
  }

  static std::string join(const std::vector<std::string> &items, const char *sep) {
    std::string out;
    for (size_t i = 0; i < items.size(); ++i)
      out += (i ? sep : "") + items[i];
    return out;
  }

  // A value as Python's json.dumps writes it (map keys sorted: the IR keeps no order).
  static std::string pythonJson(const ir::Value &v) {
    switch (v.kind_case()) {
    case ir::Value::kIntValue:
      return std::to_string(v.int_value());
    case ir::Value::kFloatValue:
      return std::isfinite(v.float_value()) ? pythonFloat(v.float_value())
                                            : (std::isnan(v.float_value()) ? "NaN"
                                               : v.float_value() > 0       ? "Infinity"
                                                                           : "-Infinity");
    case ir::Value::kBoolValue:
      return v.bool_value() ? "true" : "false";
    case ir::Value::kStringValue:
      return pythonJsonString(v.string_value());
    case ir::Value::kListValue: {
      std::vector<std::string> items;
      for (const ir::Value &e : v.list_value().values())
        items.push_back(pythonJson(e));
      return "[" + join(items, ", ") + "]";
    }
    case ir::Value::kMapValue: {
      std::map<std::string, const ir::Value *> sorted;
      for (const auto &[k, e] : v.map_value().fields())
        sorted[k] = &e;
      std::vector<std::string> items;
      for (const auto &[k, e] : sorted)
        items.push_back(pythonJsonString(k) + ": " + pythonJson(*e));
      return "{" + join(items, ", ") + "}";
    }
    default:
      return "null";
    }
  }

  // A JSON string as Python's json.dumps writes it (ensure_ascii: code points
  // above 0x7e as \uXXXX, astral ones as surrogate pairs).
  static std::string pythonJsonString(const std::string &s) {
    std::string out = "\"";
    for (size_t i = 0; i < s.size();) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      uint32_t cp = c;
      int len = 1;
      if (c >= 0xf0 && i + 3 < s.size()) {
        cp = ((c & 0x07u) << 18) | ((s[i + 1] & 0x3fu) << 12) | ((s[i + 2] & 0x3fu) << 6) |
             (s[i + 3] & 0x3fu);
        len = 4;
      } else if (c >= 0xe0 && i + 2 < s.size()) {
        cp = ((c & 0x0fu) << 12) | ((s[i + 1] & 0x3fu) << 6) | (s[i + 2] & 0x3fu);
        len = 3;
      } else if (c >= 0xc0 && i + 1 < s.size()) {
        cp = ((c & 0x1fu) << 6) | (s[i + 1] & 0x3fu);
        len = 2;
      }
      i += len;
      switch (cp) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      case '\b':
        out += "\\b";
        continue;
      case '\f':
        out += "\\f";
        continue;
      default:
        break;
      }
      if (cp >= 0x20 && cp < 0x7f) {
        out += static_cast<char>(cp);
      } else if (cp < 0x10000) {
        out += fmt::format("\\u{:04x}", cp);
      } else {
        cp -= 0x10000;
        out += fmt::format("\\u{:04x}\\u{:04x}", 0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
      }
    }
    return out + "\"";
  }

  static std::string jsonText(llvm::json::Value v) {
    std::string s;
    llvm::raw_string_ostream os(s);
    os << v;
    return os.str();
  }

  // The lightweight Python component command line, as the KFP SDK writes it.
  void pythonExecutor(const ir::PythonImpl &py, Container *c) {
    c->set_image(py.base_image());
    std::string packages =
        "'kfp==2.15.2' '--no-deps' 'typing-extensions>=3.7.4,<5; python_version<\"3.9\"'";
    std::string extra;
    for (const std::string &p : py.packages())
      extra += " '" + std::regex_replace(p, std::regex("'"), "'\\''") + "'";
    std::string install = "\nif ! [ -x \"$(command -v pip)\" ]; then\n    python3 -m ensurepip || "
                          "python3 -m ensurepip --user || apt-get install python3-pip\nfi\n\n"
                          "PIP_DISABLE_PIP_VERSION_CHECK=1 python3 -m pip install --quiet "
                          "--no-warn-script-location " +
                          packages + " && ";
    if (!extra.empty())
      install += " python3 -m pip install --quiet --no-warn-script-location" + extra + " && ";
    install += "\"$0\" \"$@\"\n";
    for (const char *part : {"sh", "-c"})
      c->add_command(part);
    c->add_command(install);
    for (const char *part : {"sh", "-ec"})
      c->add_command(part);
    c->add_command("program_path=$(mktemp -d)\n\nprintf \"%s\" \"$0\" > "
                   "\"$program_path/ephemeral_component.py\"\n"
                   "_KFP_RUNTIME=true python3 -m kfp.dsl.executor_main                         "
                   "--component_module_path                         "
                   "\"$program_path/ephemeral_component.py\"                         \"$@\"\n");
    c->add_command(
        "\nimport kfp\nfrom kfp import dsl\nfrom kfp.dsl import *\nfrom typing import *\n\n" +
        py.source());
    for (const std::string &a : {std::string("--executor_input"), std::string("{{$}}"),
                                 std::string("--function_to_execute"), py.function()})
      c->add_args(a);
  }

  void resources(const ir::Resources &r, Container *c) {
    auto *res = c->mutable_resources();
    if (!r.cpu_limit().empty()) {
      res->set_cpu_limit(cpuCores(r.cpu_limit()));
      res->set_resource_cpu_limit(r.cpu_limit());
    }
    if (!r.cpu_request().empty()) {
      res->set_cpu_request(cpuCores(r.cpu_request()));
      res->set_resource_cpu_request(r.cpu_request());
    }
    if (!r.memory_limit().empty()) {
      res->set_memory_limit(memoryGigabytes(r.memory_limit()));
      res->set_resource_memory_limit(r.memory_limit());
    }
    if (!r.memory_request().empty()) {
      res->set_memory_request(memoryGigabytes(r.memory_request()));
      res->set_resource_memory_request(r.memory_request());
    }
    std::string accel = !r.tpu_type().empty() ? r.tpu_type() : r.accelerator_type();
    if (!accel.empty()) {
      int64_t count = r.accelerator_count() ? r.accelerator_count() : 1;
      auto *a = res->mutable_accelerator();
      a->set_type(accel);
      a->set_resource_type(accel);
      a->set_count(count);
      a->set_resource_count(std::to_string(count));
    }
    if (res->ByteSizeLong() == 0)
      c->clear_resources();
  }

  // An importer, in the shape KFP's importer launcher expects: one input
  // parameter `uri`, one output artifact `artifact`.
  void importerFor(const ir::Task &task, const ir::Component &comp, mp::ComponentSpec &c,
                   const std::string &execKey) {
    const ir::ImporterImpl &imp = comp.importer();
    const ir::Parameter &out = comp.interface().outputs(0);
    (*c.mutable_input_definitions()->mutable_parameters())["uri"].set_parameter_type(
        mp::ParameterType::STRING);
    *(*c.mutable_output_definitions()->mutable_artifacts())["artifact"].mutable_artifact_type() =
        artifactType(out.type());
    outputKeys_[{task.name(), out.name()}] = "artifact";
    auto *spec = (*deployment_.mutable_executors())[execKey].mutable_importer();
    *spec->mutable_type_schema() = artifactType(out.type());
    spec->set_reimport(imp.reimport());
    if (imp.metadata().fields_size()) {
      ir::Value meta;
      *meta.mutable_map_value() = imp.metadata();
      *spec->mutable_metadata() = toValue(meta).struct_value();
    }
    if (imp.uri().has_input_value()) {
      spec->mutable_artifact_uri()->set_runtime_parameter("uri");
      importerUri_[task.name()] = imp.uri().input_value(); // bound as the task's `uri`
    } else {
      spec->mutable_artifact_uri()->mutable_constant()->set_string_value(imp.uri().literal());
      importerUri_[task.name()] = "";
    }
  }

  // One component and executor per task, named after the task (the SDK's scheme).
  std::string componentFor(const ir::Task &task) {
    const ir::Component *comp = nullptr;
    if (auto it = m_.components().find(task.component()); it != m_.components().end())
      comp = &it->second;
    if (!comp) {
      unsupported(task.location(), "calling a pipeline from a pipeline");
      return "";
    }
    auto reserved = reservedComponentKey_.find(task.name());
    std::string compKey = reserved != reservedComponentKey_.end()
                              ? reserved->second
                              : componentKey(shortName(task.component()));
    std::string execKey = "exec-" + compKey.substr(5);
    mp::ComponentSpec &c = (*spec_.mutable_components())[compKey];
    c.set_executor_label(execKey);
    if (comp->has_importer()) {
      importerFor(task, *comp, c, execKey);
      return compKey;
    }
    interface(comp->interface(), &c);
    Container *container = (*deployment_.mutable_executors())[execKey].mutable_container();
    switch (comp->implementation_case()) {
    case ir::Component::kContainer: {
      const ir::ContainerImpl &ci = comp->container();
      container->set_image(ci.image());
      for (const ir::CommandArg &a : ci.command())
        container->add_command(placeholder(a, *comp));
      for (const ir::CommandArg &a : ci.args())
        container->add_args(placeholder(a, *comp));
      break;
    }
    case ir::Component::kPython:
      pythonExecutor(comp->python(), container);
      break;
    case ir::Component::kTfx:
      unsupported(task.location(), fmt::format("TFX's {} component", comp->tfx().component()),
                  "TFX's standard components run in TFX: `mlpc build --target=tfx FILE -o DIR` "
                  "(its KubeflowV2DagRunner entry point writes the Vertex AI pipeline)");
      return "";
    case ir::Component::kBuiltin:
      // Standard-library ops run in the mlpc runtime image, reading KFP's ExecutorInput.
      container->set_image(o_.runtimeImage);
      for (const char *part : {"mlpc", "exec-op"})
        container->add_command(part);
      container->add_command(comp->builtin().op());
      container->add_args("--executor-input");
      container->add_args("{{$}}");
      break;
    default:
      unsupported(task.location(), fmt::format("the implementation of `{}`", comp->name()));
      return "";
    }
    // The task's variables override the component's; the list is sorted by name.
    std::map<std::string, std::string> env(task.options().env().begin(),
                                           task.options().env().end());
    if (comp->has_container())
      for (const auto &[k, v] : comp->container().env())
        env.emplace(k, placeholder(v, *comp));
    for (const auto &[k, v] : env) {
      auto *e = container->add_env();
      e->set_name(k);
      e->set_value(v);
    }
    resources(task.options().resources(), container);
    return compKey;
  }

  // Task keys are unique in one pipeline (a nested pipeline starts afresh);
  // component keys in the whole file. Both are sanitised names with -2, -3, ...
  std::string taskKey(const std::string &name) { return uniqueKey(name, taskKeys_); }
  std::string componentKey(const std::string &name) {
    return "comp-" + uniqueKey(name, componentKeys_);
  }
  // Keys taken so far, and the next suffix to try for each base name (so a
  // name used N times costs N tries in all, not N^2).
  struct KeySet {
    std::set<std::string> taken;
    std::map<std::string, int> nextSuffix;
    void insert(const std::string &key) { taken.insert(key); }
  };
  static std::string uniqueKey(const std::string &name, KeySet &keys) {
    std::string base = sanitizeName(name);
    if (keys.taken.insert(base).second)
      return base;
    int &i = keys.nextSuffix.try_emplace(base, 2).first->second;
    std::string key;
    do
      key = fmt::format("{}-{}", base, i++);
    while (!keys.taken.insert(key).second);
    return key;
  }

  // ---- DAGs and the values that cross into them ----
  //
  // Each `if` branch, loop and `finally` body is a DAG component of its own.
  // A value used inside it but made outside (a pipeline input, an outer
  // task's output, an outer loop's item) becomes an input of that component
  // named `pipelinechannel--...`, bound on the group's task in the parent DAG,
  // as the KFP SDK does.

  struct DagScope {
    mp::ComponentSpec *comp = nullptr;
    DagScope *parent = nullptr;
    mp::PipelineTaskSpec *groupTask = nullptr; // this DAG's task in the parent DAG
    bool isLoop = false;
    bool isExitHandler = false; // its tasks always run: their outputs may be used after it
  };

  // Where a task input's value comes from, in one DAG.
  struct Source {
    enum class Kind { None, ComponentInput, TaskOutput, FinalStatus } kind = Kind::None;
    std::string name;     // ComponentInput: the input; TaskOutput: the output key
    std::string producer; // TaskOutput, FinalStatus
    std::string selector; // a CEL expression applied to the value (`item.field`)
  };

  // The KFP key of a task's output (an importer's is always `artifact`).
  std::string outputKey(const std::string &task, const std::string &output) {
    auto it = outputKeys_.find({task, output});
    return it == outputKeys_.end() ? output : it->second;
  }

  static bool isAncestor(const DagScope *a, const DagScope *s) {
    for (const DagScope *p = s ? s->parent : nullptr; p; p = p->parent)
      if (p == a)
        return true;
    return false;
  }

  void setInput(mp::PipelineTaskSpec &t, const std::string &name, const Source &src,
                bool artifact) {
    if (src.kind == Source::Kind::None)
      return;
    if (src.kind == Source::Kind::TaskOutput) {
      deps_[&t].insert(src.producer);
      if (auto wait = jobWait_.find(src.producer); wait != jobWait_.end())
        deps_[&t].insert(wait->second);
    }
    if (artifact) {
      auto &in = (*t.mutable_inputs()->mutable_artifacts())[name];
      if (src.kind == Source::Kind::ComponentInput) {
        in.set_component_input_artifact(src.name);
      } else {
        in.mutable_task_output_artifact()->set_producer_task(src.producer);
        in.mutable_task_output_artifact()->set_output_artifact_key(src.name);
      }
      return;
    }
    auto &in = (*t.mutable_inputs()->mutable_parameters())[name];
    if (!src.selector.empty())
      in.set_parameter_expression_selector(src.selector);
    if (src.kind == Source::Kind::ComponentInput) {
      in.set_component_input_parameter(src.name);
    } else if (src.kind == Source::Kind::TaskOutput) {
      in.mutable_task_output_parameter()->set_producer_task(src.producer);
      in.mutable_task_output_parameter()->set_output_parameter_key(src.name);
    } else {
      in.mutable_task_final_status()->set_producer_task(src.producer);
    }
  }

  // Declares `name` as an input of the scope's DAG component, fed from the parent.
  Source channel(DagScope &s, const std::string &name, const ir::Reference &r, const ir::Type &type,
                 bool artifact, const ir::SourceLocation &loc) {
    auto *inputs = s.comp->mutable_input_definitions();
    bool known = artifact ? inputs->artifacts().count(name) : inputs->parameters().count(name);
    if (!known) {
      if (artifact) {
        auto &a = (*inputs->mutable_artifacts())[name];
        *a.mutable_artifact_type() = artifactType(type);
        a.set_is_artifact_list(type.has_list());
      } else
        (*inputs->mutable_parameters())[name].set_parameter_type(parameterType(type));
      setInput(*s.groupTask, name, resolve(*s.parent, r, type, artifact, loc), artifact);
    }
    return {Source::Kind::ComponentInput, name, "", ""};
  }

  Source resolve(DagScope &s, const ir::Reference &r, const ir::Type &type, bool artifact,
                 const ir::SourceLocation &loc) {
    if (r.field_path_size() && !artifact) {
      // `x.field` of a record, map or status: the whole value travels (a
      // STRUCT) and KFP selects the field with CEL over its JSON text.
      ir::Reference whole = r;
      whole.clear_field_path();
      ir::Type wholeType;
      wholeType.mutable_record();
      Source src = resolve(s, whole, wholeType, false, loc);
      src.selector =
          r.has_final_status() ? statusSelector(r.field_path(0)) : "parseJson(string_value)";
      for (int i = r.has_final_status() ? 1 : 0; i < r.field_path_size(); ++i)
        src.selector += "[" + jsonText(r.field_path(i)) + "]";
      return src;
    }
    switch (r.target_case()) {
    case ir::Reference::kPipelineInput:
      if (!s.parent)
        return {Source::Kind::ComponentInput, r.pipeline_input(), "", ""};
      return channel(s, "pipelinechannel--" + r.pipeline_input(), r, type, artifact, loc);
    case ir::Reference::kTaskOutput: {
      const ir::TaskOutput &to = r.task_output();
      auto lowered = scopeOfTask_.find(to.task());
      if (lowered == scopeOfTask_.end() && !errors_.empty())
        return {}; // the task did not lower: its error is reported already
      DagScope *ps = scopeOfTask_[to.task()];
      std::string key = keyOf_[to.task()];
      if (to.collected()) {
        // Fan-in: the loop's DAG (and every group between) re-exports the
        // output; at the loop and above it is a list.
        if (DagScope *top = childContaining(s, ps)) {
          const ir::Type &elem = type.has_list() ? type.list() : type;
          return {Source::Kind::TaskOutput, surface(ps, key, to.output(), top, elem, artifact),
                  groupKey_[top], ""};
        }
        if (s.parent)
          return channel(s, "pipelinechannel--" + key + "-" + to.output(), r, type, artifact, loc);
        unsupported(loc, "collecting the outputs of a loop this task is not after");
        return {};
      }
      std::string output = outputKey(to.task(), to.output());
      if (ps == &s)
        return {Source::Kind::TaskOutput, output, key, ""};
      if (isAncestor(ps, &s))
        return channel(s, "pipelinechannel--" + key + "-" + output, r, type, artifact, loc);
      // Made inside an exit handler's guarded tasks (which always run): the
      // exit handler's DAG re-exports it.
      if (DagScope *top = childContaining(s, ps); top && onlyExitHandlers(ps, top))
        return {Source::Kind::TaskOutput, surface(ps, key, output, top, type, artifact),
                groupKey_[top], ""};
      unsupported(loc, "using a task's output outside the `if` that runs it (one-of)");
      return {};
    }
    case ir::Reference::kLoopItem: {
      auto [ls, item] = loopItems_[r.loop_item()];
      if (ls == &s)
        return {Source::Kind::ComponentInput, item, "", ""};
      return channel(s, item, r, type, artifact, loc);
    }
    case ir::Reference::kFinalStatus:
      if (!exitHandler_.empty())
        return {Source::Kind::FinalStatus, "", exitHandler_, ""};
      unsupported(loc, "the final status outside the `finally` block's own tasks");
      return {};
    default:
      return {};
    }
  }

  // A field of KFP's PipelineTaskFinalStatus, which names some fields in
  // camelCase (older backends) or snake_case (newer) and nests the error.
  static std::string statusSelector(const std::string &field) {
    const std::string json = "parseJson(string_value)";
    if (field == "error_code" || field == "error_message")
      return json + "[\"error\"][\"" + (field == "error_code" ? "code" : "message") + "\"]";
    static const std::map<std::string, std::string> camel = {
        {"pipeline_job_resource_name", "pipelineJobResourceName"},
        {"pipeline_task_name", "pipelineTaskName"}};
    auto it = camel.find(field);
    if (it == camel.end())
      return json + "[\"" + field + "\"]";
    return fmt::format("\"{0}\" in {2} ? {2}[\"{0}\"] : {2}[\"{1}\"]", it->second, field, json);
  }

  // Whether every group from `ps` up to `top` is an exit handler.
  static bool onlyExitHandlers(DagScope *ps, DagScope *top) {
    for (DagScope *g = ps;; g = g->parent) {
      if (!g->isExitHandler)
        return false;
      if (g == top)
        return true;
    }
  }

  // The group among `s`'s direct children that contains scope `ps`.
  static DagScope *childContaining(DagScope &s, DagScope *ps) {
    for (DagScope *g = ps; g; g = g->parent)
      if (g->parent == &s)
        return g;
    return nullptr;
  }

  // Declares output `name` of group `g`, selected from (producer, key).
  void groupOutput(DagScope &g, const std::string &name, const std::string &producer,
                   const std::string &key, const ir::Type &type, bool artifact, bool list) {
    mp::ComponentSpec *c = g.comp;
    if (artifact) {
      auto &def = (*c->mutable_output_definitions()->mutable_artifacts())[name];
      *def.mutable_artifact_type() = artifactType(type);
      def.set_is_artifact_list(list);
      auto &out = (*c->mutable_dag()->mutable_outputs()->mutable_artifacts())[name];
      if (out.artifact_selectors_size() == 0) {
        auto *sel = out.add_artifact_selectors();
        sel->set_producer_subtask(producer);
        sel->set_output_artifact_key(key);
      }
      return;
    }
    (*c->mutable_output_definitions()->mutable_parameters())[name].set_parameter_type(
        list ? mp::ParameterType::LIST : parameterType(type));
    auto *sel = (*c->mutable_dag()->mutable_outputs()->mutable_parameters())[name]
                    .mutable_value_from_parameter();
    sel->set_producer_subtask(producer);
    sel->set_output_parameter_key(key);
  }

  // Makes `task`'s `output` (a task in scope `ps`) an output of every group
  // from `ps` up to `top`; returns its key on `top`.
  std::string surface(DagScope *ps, const std::string &task, const std::string &output,
                      DagScope *top, const ir::Type &type, bool artifact) {
    std::string name = "pipelinechannel--" + task + "-" + output;
    std::string producer = task, key = output;
    bool list = false;
    for (DagScope *g = ps;; g = g->parent) {
      list = list || g->isLoop;
      groupOutput(*g, name, producer, key, type, artifact, list);
      producer = groupKey_[g];
      key = name;
      if (g == top)
        return name;
    }
  }

  // One-of: the value of whichever `if` branch ran, as an output of the
  // branches' group (`valueFromOneof` / several artifact selectors).
  Source oneOf(DagScope &s, const ir::OneOf &oneof, const ir::Type &type, bool artifact,
               const ir::SourceLocation &loc) {
    DagScope *group = nullptr;
    for (const ir::TaskOutput &alt : oneof.alternatives()) {
      DagScope *top = childContaining(s, scopeOfTask_[alt.task()]);
      if (!top || (group && top != group) || alt.collected()) {
        unsupported(loc, "a one-of value used inside another group, or of loop outputs");
        return {};
      }
      group = top;
    }
    if (!group)
      return {};
    // One output per one-of, however many tasks read it (as in the SDK).
    std::string alternatives;
    for (const ir::TaskOutput &alt : oneof.alternatives())
      alternatives += alt.task() + "." + alt.output() + ";";
    auto [known, fresh] = oneofOutputs_.try_emplace({group, alternatives});
    if (!fresh)
      return {Source::Kind::TaskOutput, known->second, groupKey_[group], ""};
    std::string name = fmt::format("pipelinechannel--{}-oneof-{}", groupKey_[group], ++oneofs_);
    known->second = name;
    mp::ComponentSpec *c = group->comp;
    if (artifact)
      *(*c->mutable_output_definitions()->mutable_artifacts())[name].mutable_artifact_type() =
          artifactType(type);
    else
      (*c->mutable_output_definitions()->mutable_parameters())[name].set_parameter_type(
          parameterType(type));
    for (const ir::TaskOutput &alt : oneof.alternatives()) {
      DagScope *ps = scopeOfTask_[alt.task()];
      std::string producer = keyOf_[alt.task()], key = alt.output();
      if (ps != group) {
        DagScope *branch = childContaining(*group, ps);
        key = surface(ps, producer, alt.output(), branch, type, artifact);
        producer = groupKey_[branch];
      }
      if (artifact) {
        auto *sel = (*c->mutable_dag()->mutable_outputs()->mutable_artifacts())[name]
                        .add_artifact_selectors();
        sel->set_producer_subtask(producer);
        sel->set_output_artifact_key(key);
      } else {
        auto *sel = (*c->mutable_dag()->mutable_outputs()->mutable_parameters())[name]
                        .mutable_value_from_oneof()
                        ->add_parameter_selectors();
        sel->set_producer_subtask(producer);
        sel->set_output_parameter_key(key);
      }
    }
    return {Source::Kind::TaskOutput, name, groupKey_[group], ""};
  }

  // A group's DAG component and its task in the parent DAG.
  DagScope &newGroup(DagScope &parent, const std::string &kind) {
    std::string key = taskKey(fmt::format("{}-{}", kind, ++groups_));
    std::string compKey = componentKey(key);
    DagScope &g = scopes_.emplace_back();
    g.parent = &parent;
    g.comp = &(*spec_.mutable_components())[compKey];
    g.comp->mutable_dag();
    g.groupTask = &(*parent.comp->mutable_dag()->mutable_tasks())[key];
    g.groupTask->mutable_task_info()->set_name(key);
    g.groupTask->mutable_component_ref()->set_name(compKey);
    groupKey_[&g] = key;
    return g;
  }

  // CEL over the condition DAG's inputs, as KFP evaluates trigger conditions,
  // written as the SDK writes it: `a == 'b'`, parentheses only where
  // precedence needs them, ints read with int() and widened with double().
  std::string cel(const ir::Expr &e, DagScope &s, const ir::SourceLocation &loc) {
    return celAt(e, s, loc, 0);
  }

  static int celPrecedence(const ir::Expr &e) {
    if (e.has_unary())
      return 6;
    if (!e.has_binary())
      return 7;
    switch (e.binary().op()) {
    case ir::BinaryExpr::OR:
      return 1;
    case ir::BinaryExpr::AND:
      return 2;
    case ir::BinaryExpr::ADD:
    case ir::BinaryExpr::SUB:
      return 4;
    case ir::BinaryExpr::MUL:
    case ir::BinaryExpr::DIV:
    case ir::BinaryExpr::MOD:
      return 5;
    default:
      return 3; // comparisons
    }
  }

  static bool isInt(const ir::Expr &e) {
    return e.type().has_scalar() && e.type().scalar() == ir::INT;
  }
  static bool isFloat(const ir::Expr &e) {
    return e.type().has_scalar() && e.type().scalar() == ir::FLOAT;
  }

  // `e` printed where an operator of precedence `outer` binds it.
  std::string celAt(const ir::Expr &e, DagScope &s, const ir::SourceLocation &loc, int outer) {
    std::string text = celText(e, s, loc);
    return celPrecedence(e) < outer ? "(" + text + ")" : text;
  }

  std::string celText(const ir::Expr &e, DagScope &s, const ir::SourceLocation &loc) {
    switch (e.kind_case()) {
    case ir::Expr::kConstant: {
      const ir::Value &v = e.constant();
      switch (v.kind_case()) {
      case ir::Value::kIntValue:
        return std::to_string(v.int_value());
      case ir::Value::kFloatValue:
        return pythonFloat(v.float_value());
      case ir::Value::kBoolValue:
        return v.bool_value() ? "true" : "false";
      case ir::Value::kStringValue: {
        std::string quoted = "'"; // a single-quoted CEL string
        for (char c : v.string_value()) {
          if (c == '\\' || c == '\'')
            quoted += '\\';
          if (c == '\n')
            quoted += "\\n";
          else
            quoted += c;
        }
        return quoted + "'";
      }
      default:
        break;
      }
      break;
    }
    case ir::Expr::kRef: {
      Source src = resolve(s, e.ref(), e.type(), false, loc);
      if (src.kind != Source::Kind::ComponentInput)
        break;
      std::string value = fmt::format("inputs.parameter_values['{}']", src.name);
      // Parameter values are JSON numbers (doubles): compare ints as ints.
      return isInt(e) ? "int(" + value + ")" : value;
    }
    case ir::Expr::kUnary:
      return (e.unary().op() == ir::UnaryExpr::NOT ? "!" : "-") +
             celAt(e.unary().operand(), s, loc, 7);
    case ir::Expr::kBinary: {
      static const std::map<int, const char *> ops = {
          {ir::BinaryExpr::ADD, "+"}, {ir::BinaryExpr::SUB, "-"}, {ir::BinaryExpr::MUL, "*"},
          {ir::BinaryExpr::DIV, "/"}, {ir::BinaryExpr::MOD, "%"}, {ir::BinaryExpr::LT, "<"},
          {ir::BinaryExpr::LE, "<="}, {ir::BinaryExpr::GT, ">"},  {ir::BinaryExpr::GE, ">="},
          {ir::BinaryExpr::EQ, "=="}, {ir::BinaryExpr::NE, "!="}, {ir::BinaryExpr::AND, "&&"},
          {ir::BinaryExpr::OR, "||"}};
      const ir::Expr &lhs = e.binary().lhs(), &rhs = e.binary().rhs();
      int prec = celPrecedence(e);
      std::string l = celAt(lhs, s, loc, prec), r = celAt(rhs, s, loc, prec + 1);
      // CEL has no implicit int-to-double conversion; the SDK widens the int side.
      if (isInt(lhs) && isFloat(rhs))
        l = "double(" + l + ")";
      if (isFloat(lhs) && isInt(rhs))
        r = "double(" + r + ")";
      return fmt::format("{} {} {}", l, ops.at(e.binary().op()), r);
    }
    default:
      break;
    }
    unsupported(loc, "this condition expression");
    return "false";
  }

  void lowerDag(const ir::Dag &dag, DagScope &s) {
    for (const ir::Node &node : dag.nodes()) {
      switch (node.kind_case()) {
      case ir::Node::kTask:
        lowerTask(node.task(), s);
        break;
      case ir::Node::kCondition:
        lowerCondition(node.condition(), s);
        break;
      case ir::Node::kLoop:
        lowerLoop(node.loop(), s);
        break;
      case ir::Node::kExitHandler:
        lowerExitHandler(node.exit_handler(), s);
        break;
      default:
        break;
      }
    }
  }

  void lowerCondition(const ir::Condition &c, DagScope &s) {
    ir::SourceLocation loc;
    // if / else-if / else: a `condition-branches-N` DAG holding one
    // `condition-M` DAG per branch, each triggered by its CEL condition.
    DagScope *holder = &s;
    if (c.branches_size() > 1)
      holder = &newGroup(s, "condition-branches");
    std::vector<const ir::Expr *> previous;
    for (const ir::Branch &b : c.branches()) {
      DagScope &g = newGroup(*holder, "condition");
      std::string expr;
      for (const ir::Expr *p : previous)
        expr += "!(" + cel(*p, g, loc) + ") && ";
      if (b.has_condition()) {
        expr += cel(b.condition(), g, loc);
        previous.push_back(&b.condition());
      } else if (!expr.empty()) {
        expr.resize(expr.size() - 4); // drop the trailing " && "
      }
      g.groupTask->mutable_trigger_policy()->set_condition(expr);
      lowerDag(b.body(), g);
    }
  }

  void lowerLoop(const ir::Loop &l, DagScope &s) {
    ir::SourceLocation loc;
    const ir::Expr &items = l.items();
    ir::Value constant;
    bool raw = constantOf(items, &constant);
    // The SDK numbers a constant list's item before the loop's group.
    int itemId = raw ? ++groups_ : 0;
    DagScope &g = newGroup(s, "for-loop");
    g.isLoop = true;
    loc = rootLocation_;
    if (l.item_type().has_artifact()) {
      // A loop over a list of artifacts: KFP's artifactIterator.
      if (!items.has_ref()) {
        unsupported(loc, "looping over a computed list of artifacts");
        return;
      }
      Source src = resolve(g, items.ref(), items.type(), true, loc);
      auto *ai = g.groupTask->mutable_artifact_iterator();
      ai->mutable_items()->set_input_artifact(src.name);
      std::string item = src.name + "-loop-item";
      ai->set_item_input(item);
      *(*g.comp->mutable_input_definitions()->mutable_artifacts())[item].mutable_artifact_type() =
          artifactType(l.item_type());
      loopItems_[l.id()] = {&g, item};
      if (l.parallelism() > 0)
        g.groupTask->mutable_iterator_policy()->set_parallelism_limit(
            static_cast<int32_t>(l.parallelism()));
      lowerDag(l.body(), g);
      return;
    }
    auto *it = g.groupTask->mutable_parameter_iterator();
    std::string item;
    if (raw) {
      it->mutable_items()->set_raw(pythonJson(constant));
      item = fmt::format("pipelinechannel--loop-item-param-{}", itemId);
    } else if (items.has_ref()) {
      Source src = resolve(g, items.ref(), items.type(), false, loc);
      it->mutable_items()->set_input_parameter(src.name);
      item = src.name + "-loop-item";
    } else {
      unsupported(loc, "looping over a computed list");
      return;
    }
    it->set_item_input(item);
    (*g.comp->mutable_input_definitions()->mutable_parameters())[item].set_parameter_type(
        parameterType(l.item_type()));
    loopItems_[l.id()] = {&g, item};
    if (l.parallelism() > 0)
      g.groupTask->mutable_iterator_policy()->set_parallelism_limit(
          static_cast<int32_t>(l.parallelism()));
    lowerDag(l.body(), g);
  }

  void lowerExitHandler(const ir::ExitHandler &eh, DagScope &s) {
    // In the SDK the exit task exists before the tasks it guards, so it takes its key first.
    for (const ir::Node &node : eh.exit().nodes())
      if (node.has_task()) {
        keyOf_[node.task().name()] = taskKey(shortName(node.task().component()));
        reservedComponentKey_[node.task().name()] =
            componentKey(shortName(node.task().component()));
      }
    DagScope &g = newGroup(s, "exit-handler");
    g.isExitHandler = true;
    lowerDag(eh.body(), g);
    // The exit tasks run in the parent DAG after the guarded DAG, whatever happened.
    exitHandler_ = groupKey_[&g];
    for (const ir::Node &node : eh.exit().nodes()) {
      if (!node.has_task()) {
        unsupported({}, "control flow inside `finally`");
        continue;
      }
      mp::PipelineTaskSpec *t = lowerTask(node.task(), s);
      if (!t)
        continue;
      deps_[t].insert(exitHandler_);
      t->mutable_trigger_policy()->set_strategy(
          mp::PipelineTaskSpec::TriggerPolicy::ALL_UPSTREAM_TASKS_COMPLETED);
    }
    exitHandler_.clear();
  }

  // A pipeline called from a pipeline: a DAG component of its own (once per
  // pipeline), whose inputs are the pipeline's parameters. Task and loop
  // names are per pipeline in the IR, so their tables are saved around it.
  std::string nestedPipeline(const ir::Pipeline &p, const ir::SourceLocation &call) {
    if (auto it = nestedKeys_.find(p.name()); it != nestedKeys_.end())
      return it->second;
    std::string compKey = componentKey(shortName(p.name()));
    nestedKeys_[p.name()] = compKey;
    DagScope &inner = scopes_.emplace_back();
    inner.comp = &(*spec_.mutable_components())[compKey];
    interface(p.interface(), inner.comp);
    inner.comp->mutable_dag();
    // The nested pipeline names its tasks and groups afresh, as the SDK does.
    auto savedKeys = std::exchange(keyOf_, {});
    auto savedScopes = std::exchange(scopeOfTask_, {});
    auto savedLoops = std::exchange(loopItems_, {});
    auto savedTaskKeys = std::exchange(taskKeys_, {});
    int savedGroups = std::exchange(groups_, 0);
    lowerDag(p.body(), inner);
    for (const ir::PipelineOutput &out : p.outputs())
      pipelineOutput(out, inner);
    keyOf_ = std::move(savedKeys);
    scopeOfTask_ = std::move(savedScopes);
    loopItems_ = std::move(savedLoops);
    taskKeys_ = std::move(savedTaskKeys);
    groups_ = savedGroups;
    return compKey;
  }

  // The name task and component keys start from: the component's own name
  // (`std.io.read_csv` -> `read_csv`), or `importer` for every importer, as
  // the SDK names them.
  std::string shortName(const std::string &qualified) const {
    if (auto it = m_.components().find(qualified);
        it != m_.components().end() && it->second.has_importer())
      return "importer";
    return qualified.substr(qualified.rfind('.') + 1);
  }

  mp::PipelineTaskSpec *lowerTask(const ir::Task &task, DagScope &s) {
    if (auto job = m_.pipelines().find(task.component());
        job != m_.pipelines().end() && job->second.dataflow_job())
      return dataflowJob(task, job->second, s);
    // Task keys follow the SDK: the component's name, made unique with -2, -3, ...
    auto reserved = keyOf_.find(task.name());
    std::string key =
        reserved != keyOf_.end() ? reserved->second : taskKey(shortName(task.component()));
    keyOf_[task.name()] = key;
    scopeOfTask_[task.name()] = &s;
    const ir::Interface *iface = nullptr;
    std::string comp;
    if (auto nested = m_.pipelines().find(task.component()); nested != m_.pipelines().end()) {
      comp = nestedPipeline(nested->second, task.location());
      iface = &nested->second.interface();
    } else {
      comp = componentFor(task);
      if (!comp.empty())
        iface = &m_.components().at(task.component()).interface();
    }
    if (comp.empty())
      return nullptr;
    mp::PipelineTaskSpec &t = (*s.comp->mutable_dag()->mutable_tasks())[key];
    t.mutable_task_info()->set_name(
        task.options().display_name().empty() ? key : task.options().display_name());
    t.mutable_component_ref()->set_name(comp);
    if (auto imp = importerUri_.find(task.name()); imp != importerUri_.end()) {
      // An importer's only input is its URI, under the name KFP expects.
      auto &uri = (*t.mutable_inputs()->mutable_parameters())["uri"];
      auto bound = task.inputs().find(imp->second);
      if (imp->second.empty()) {
        const ir::Component &c = m_.components().at(task.component());
        uri.mutable_runtime_value()->mutable_constant()->set_string_value(
            c.importer().uri().literal());
      } else if (bound != task.inputs().end() && bound->second.has_expr() &&
                 bound->second.expr().has_ref()) {
        setInput(t, "uri",
                 resolve(s, bound->second.expr().ref(), bound->second.expr().type(), false,
                         task.location()),
                 false);
      } else if (bound != task.inputs().end() && bound->second.has_expr() &&
                 bound->second.expr().has_constant()) {
        *uri.mutable_runtime_value()->mutable_constant() = toValue(bound->second.expr().constant());
      } else {
        const ir::Component &c = m_.components().at(task.component());
        for (const ir::Parameter &p : c.interface().inputs())
          if (p.name() == imp->second && p.has_default_value())
            *uri.mutable_runtime_value()->mutable_constant() = toValue(p.default_value());
      }
      finishTask(task, t);
      return &t;
    }
    for (const auto &[name, binding] : task.inputs()) {
      const ir::Parameter *param = nullptr;
      for (const ir::Parameter &p : iface->inputs())
        if (p.name() == name)
          param = &p;
      if (!param)
        continue;
      if (binding.has_one_of()) {
        setInput(t, name,
                 oneOf(s, binding.one_of(), param->type(), param->is_artifact(), task.location()),
                 param->is_artifact());
        continue;
      }
      const ir::Expr &e = binding.expr();
      ir::Value constant;
      if (!param->is_artifact() && constantOf(e, &constant)) {
        *(*t.mutable_inputs()->mutable_parameters())[name]
             .mutable_runtime_value()
             ->mutable_constant() = toValue(constant);
      } else if (std::string run = runPlaceholder(e); !run.empty()) {
        (*t.mutable_inputs()->mutable_parameters())[name]
            .mutable_runtime_value()
            ->mutable_constant()
            ->set_string_value(run);
      } else if (e.has_ref()) {
        setInput(t, name, resolve(s, e.ref(), e.type(), param->is_artifact(), task.location()),
                 param->is_artifact());
      } else if (ir::Reference keyed; keyedReference(e, &keyed)) {
        setInput(t, name, resolve(s, keyed, e.type(), false, task.location()), false);
      } else if (e.has_concat() && !param->is_artifact()) {
        interpolate(t, name, e.concat(), s, task.location());
      } else if (e.has_map() && !param->is_artifact()) {
        structWithChannels(t, name, e.map(), s, task.location());
      } else {
        unsupported(
            task.location(),
            fmt::format("a computed value for `{}` (an expression or interpolation)", name));
      }
    }
    finishTask(task, t);
    return &t;
  }

  // `item["key"]` with a constant key reads like `item.key`: a field selected with CEL.
  static bool keyedReference(const ir::Expr &e, ir::Reference *out) {
    ir::Value key;
    if (!e.has_index() || !e.index().base().has_ref() || !constantOf(e.index().index(), &key) ||
        !key.has_string_value())
      return false;
    *out = e.index().base().ref();
    out->add_field_path(key.string_value());
    return true;
  }

  // `run.job_name` and its kin: KFP's run-time placeholders, which the backend
  // substitutes in the constant (as dsl.PIPELINE_JOB_NAME_PLACEHOLDER and the
  // rest). "" for any other expression.
  static std::string runPlaceholder(const ir::Expr &e) {
    if (!e.has_ref() || !e.ref().has_run_info() || e.ref().field_path_size() != 1)
      return "";
    static const std::map<std::string, std::string> placeholders = {
        {"job_name", "{{$.pipeline_job_name}}"},
        {"job_id", "{{$.pipeline_job_uuid}}"},
        {"job_resource_name", "{{$.pipeline_job_resource_name}}"},
        {"task_name", "{{$.pipeline_task_name}}"},
        {"task_id", "{{$.pipeline_task_uuid}}"},
        {"root", "{{$.pipeline_root}}"},
        {"create_time", "{{$.pipeline_job_create_time_utc}}"},
        {"schedule_time", "{{$.pipeline_job_schedule_time_utc}}"}};
    auto it = placeholders.find(e.ref().field_path(0));
    return it == placeholders.end() ? "" : it->second;
  }

  // Ordering, caching, retry and trigger options of a task.
  void finishTask(const ir::Task &task, mp::PipelineTaskSpec &t) {
    for (const std::string &a : task.after()) {
      deps_[&t].insert(keyOf_[a]);
      if (auto wait = jobWait_.find(keyOf_[a]); wait != jobWait_.end())
        deps_[&t].insert(wait->second);
    }
    const ir::TaskOptions &o = task.options();
    if (o.caching_case() == ir::TaskOptions::kCacheEnabled && !o.cache_enabled())
      t.mutable_caching_options(); // `{}`: caching off
    else
      t.mutable_caching_options()->set_enable_cache(true);
    if (o.has_retry()) {
      auto *r = t.mutable_retry_policy();
      r->set_max_retry_count(static_cast<int32_t>(o.retry().max_retries()));
      auto duration = [](double seconds, pb::Duration *d) {
        d->set_seconds(static_cast<int64_t>(seconds));
        d->set_nanos(static_cast<int32_t>((seconds - std::floor(seconds)) * 1e9));
      };
      duration(o.retry().backoff_seconds(), r->mutable_backoff_duration());
      r->set_backoff_factor(o.retry().backoff_factor() ? o.retry().backoff_factor() : 2.0);
      duration(o.retry().max_backoff_seconds() ? o.retry().max_backoff_seconds() : 3600,
               r->mutable_backoff_max_duration());
    }
    if (o.ignore_upstream_failure())
      t.mutable_trigger_policy()->set_strategy(
          mp::PipelineTaskSpec::TriggerPolicy::ALL_UPSTREAM_TASKS_COMPLETED);
    if (o.timeout_seconds() > 0 || o.has_kubernetes())
      kubernetesConfig(o, "exec-" + t.component_ref().name().substr(5));
  }

  // Kubernetes settings and timeouts go in the PlatformSpec (the second YAML
  // document), as a KubernetesExecutorConfig per executor, as kfp-kubernetes
  // writes them.
  void kubernetesConfig(const ir::TaskOptions &o, const std::string &execKey) {
    auto str = [](const std::string &v) {
      pb::Value x;
      x.set_string_value(v);
      return x;
    };
    pb::Struct &exec = executorPlatform_[execKey];
    auto &f = *exec.mutable_fields();
    if (o.timeout_seconds() > 0) // int64 in the proto: a string in JSON
      f["activeDeadlineSeconds"] =
          str(std::to_string(static_cast<int64_t>(std::ceil(o.timeout_seconds()))));
    const ir::KubernetesOptions &k = o.kubernetes();
    if (k.node_selector_size()) {
      pb::Value labels;
      for (const auto &[key, v] : k.node_selector())
        (*labels.mutable_struct_value()->mutable_fields())[key] = str(v);
      (*f["nodeSelector"].mutable_struct_value()->mutable_fields())["labels"] = labels;
    }
    if (k.labels_size()) {
      pb::Value labels;
      for (const auto &[key, v] : k.labels())
        (*labels.mutable_struct_value()->mutable_fields())[key] = str(v);
      (*f["podMetadata"].mutable_struct_value()->mutable_fields())["labels"] = labels;
    }
    for (const ir::Toleration &tol : k.tolerations()) {
      pb::Value t;
      for (const auto &[key, v] : tol.fields().fields()) {
        std::string name = key == "toleration_seconds" ? "tolerationSeconds" : key;
        pb::Value value = toValue(v);
        if (name == "tolerationSeconds" && value.has_number_value()) // int64
          value = str(std::to_string(static_cast<int64_t>(value.number_value())));
        (*t.mutable_struct_value()->mutable_fields())[name] = value;
      }
      *f["tolerations"].mutable_list_value()->add_values() = t;
    }
    // `secrets: {ENV: "secret-name/key"}`: one secretAsEnv entry per secret.
    std::map<std::string, std::vector<std::pair<std::string, std::string>>> bySecret;
    for (const auto &[env, ref] : k.secrets()) {
      size_t slash = ref.find('/');
      bySecret[ref.substr(0, slash)].push_back(
          {slash == std::string::npos ? env : ref.substr(slash + 1), env});
    }
    for (const auto &[secret, keys] : bySecret) {
      pb::Value entry;
      auto &e = *entry.mutable_struct_value()->mutable_fields();
      e["secretName"] = str(secret);
      (*e["secretNameParameter"].mutable_struct_value()->mutable_fields())["runtimeValue"]
          .mutable_struct_value()
          ->mutable_fields()
          ->insert({"constant", str(secret)});
      e["optional"].set_bool_value(false);
      for (const auto &[key, env] : keys) {
        pb::Value kv;
        (*kv.mutable_struct_value()->mutable_fields())["secretKey"] = str(key);
        (*kv.mutable_struct_value()->mutable_fields())["envVar"] = str(env);
        *e["keyToEnv"].mutable_list_value()->add_values() = kv;
      }
      *f["secretAsEnv"].mutable_list_value()->add_values() = entry;
    }
  }

  // "text ${x}" as the SDK lowers an f-string: a constant with placeholders,
  // each value it reads added to the task as an input of its own.
  void interpolate(mp::PipelineTaskSpec &t, const std::string &name, const ir::Concat &concat,
                   DagScope &s, const ir::SourceLocation &loc) {
    std::string text;
    for (const ir::Expr &part : concat.parts()) {
      std::optional<std::string> p = runtimeText(t, part, s, loc, name);
      if (!p)
        return;
      text += *p;
    }
    (*t.mutable_inputs()->mutable_parameters())[name]
        .mutable_runtime_value()
        ->mutable_constant()
        ->set_string_value(text);
  }

  // `{key: value, ...}` holding values known only at run time, as the SDK
  // lowers a dict holding pipeline channels: a constant STRUCT whose computed
  // entries are placeholder strings, each value read added as an input.
  void structWithChannels(mp::PipelineTaskSpec &t, const std::string &name, const ir::MapExpr &map,
                          DagScope &s, const ir::SourceLocation &loc) {
    pb::Value v;
    auto &fields = *v.mutable_struct_value()->mutable_fields();
    for (const auto &[key, entry] : map.entries()) {
      ir::Value constant;
      if (constantOf(entry, &constant)) {
        fields[key] = toValue(constant);
        continue;
      }
      std::optional<std::string> text = runtimeText(t, entry, s, loc, name);
      if (!text)
        return;
      fields[key].set_string_value(*text);
    }
    *(*t.mutable_inputs()->mutable_parameters())[name].mutable_runtime_value()->mutable_constant() =
        v;
  }

  // The text KFP substitutes for `e` inside a constant string: constants as
  // text, run placeholders, and each value read at run time as an input of
  // the task named `pipelinechannel--...` (as the SDK names it) and its
  // placeholder. Reports other expressions and returns nullopt.
  std::optional<std::string> runtimeText(mp::PipelineTaskSpec &t, const ir::Expr &e, DagScope &s,
                                         const ir::SourceLocation &loc, const std::string &name) {
    ir::Value constant;
    if (constantOf(e, &constant)) {
      switch (constant.kind_case()) {
      case ir::Value::kStringValue:
        return constant.string_value();
      case ir::Value::kIntValue:
        return std::to_string(constant.int_value());
      case ir::Value::kFloatValue:
        return fmt::format("{}", constant.float_value());
      case ir::Value::kBoolValue:
        return constant.bool_value() ? "true" : "false";
      default:
        return "";
      }
    }
    if (std::string run = runPlaceholder(e); !run.empty())
      return run;
    if (e.has_concat()) {
      std::string text;
      for (const ir::Expr &part : e.concat().parts()) {
        std::optional<std::string> p = runtimeText(t, part, s, loc, name);
        if (!p)
          return std::nullopt;
        text += *p;
      }
      return text;
    }
    if (!e.has_ref()) {
      unsupported(loc, fmt::format("an expression inside the string given to `{}`", name));
      return std::nullopt;
    }
    Source src = resolve(s, e.ref(), e.type(), false, loc);
    std::string channel =
        src.kind == Source::Kind::ComponentInput
            ? (src.name.rfind("pipelinechannel--", 0) == 0 ? src.name
                                                           : "pipelinechannel--" + src.name)
            : "pipelinechannel--" + src.producer + "-" + src.name;
    setInput(t, channel, src, false);
    return fmt::format("{{{{$.inputs.parameters['{}']}}}}", channel);
  }

  // ---- Dataflow jobs ----

  // A call to a `@dataflow` pipeline: GCPC's dataflow-flex-template task
  // launches its Flex Template (`template:`) with the job options of
  // `@dataflow(...)` and the call's values as the template's `parameters`;
  // wait-gcp-resources then waits for the job. A job with artifacts gets a
  // task before the launch (jobArgsComponent) that holds them and writes the
  // `parameters`; whoever reads the job's outputs also waits for the job.
  // Returns the first of the tasks.
  mp::PipelineTaskSpec *dataflowJob(const ir::Task &task, const ir::Pipeline &job, DagScope &s) {
    const ir::DataflowOptions &o = job.dataflow();
    bool ok = true;
    if (o.template_path().empty()) {
      error(task.location(),
            fmt::format("`@dataflow` pipeline `{}` has no `template:`, so KFP cannot launch it",
                        job.name()),
            fmt::format("KFP launches a Dataflow job from its Flex Template: build it with "
                        "`mlpc build --target=dataflow`, upload it, and give its Cloud Storage "
                        "path as `@dataflow(template: \"gs://BUCKET/templates/{}.json\", ...)`",
                        job.name()));
      ok = false;
    }
    for (const ir::Parameter &out : job.interface().outputs()) {
      if (!out.is_artifact()) {
        unsupported(
            task.location(),
            fmt::format("output parameter `{}` of Dataflow job `{}`", out.name(), job.name()),
            "a Dataflow job returns nothing to KFP but the files it writes: make the "
            "output an artifact and read it in a task after the job");
        ok = false;
      } else if (out.name() == "parameters") {
        unsupported(task.location(),
                    fmt::format("an output named `parameters` of Dataflow job `{}`", job.name()),
                    "the task that holds the job's artifacts writes the template's `parameters` "
                    "under that name: rename the output");
        ok = false;
      }
    }
    for (const auto *list : {&job.interface().inputs(), &job.interface().outputs()})
      for (const ir::Parameter &p : *list)
        if (p.is_artifact() && p.type().has_list()) {
          unsupported(
              task.location(),
              fmt::format("list of artifacts `{}` of Dataflow job `{}`", p.name(), job.name()),
              "a Dataflow job takes one URI per artifact: pass the artifacts one by one");
          ok = false;
        }
    if (!ok)
      return nullptr;

    // The launch and the wait run the call's caching and retry options.
    ir::TaskOptions options;
    if (task.options().caching_case() == ir::TaskOptions::kCacheEnabled)
      options.set_cache_enabled(task.options().cache_enabled());
    if (task.options().has_retry())
      *options.mutable_retry() = task.options().retry();
    auto newTask = [&](const std::string &suffix, const std::string &component) {
      ir::Task t;
      t.set_name(task.name() + "." + suffix); // `.` is in no IR task name
      t.set_component(component);
      *t.mutable_options() = options;
      *t.mutable_location() = task.location();
      return t;
    };
    auto constant = [](ir::Task &t, const std::string &name, const ir::Value &v) {
      *(*t.mutable_inputs())[name].mutable_expr()->mutable_constant() = v;
    };
    auto text = [&](ir::Task &t, const std::string &name, const std::string &value) {
      ir::Value v;
      v.set_string_value(value);
      if (!value.empty())
        constant(t, name, v);
    };
    auto number = [&](ir::Task &t, const std::string &name, int64_t value) {
      ir::Value v;
      v.set_int_value(value);
      if (value > 0)
        constant(t, name, v);
    };
    auto taskOutput = [](ir::Task &t, const std::string &name, const std::string &producer,
                         const std::string &output, ir::Type type) {
      ir::Expr &e = *(*t.mutable_inputs())[name].mutable_expr();
      e.mutable_ref()->mutable_task_output()->set_task(producer);
      e.mutable_ref()->mutable_task_output()->set_output(output);
      *e.mutable_type() = std::move(type);
    };
    ir::DataflowAccelerator accelerator = ir::lowerDataflowAccelerator(o);

    ir::Task launch = newTask("launch", kFlexTemplate);
    text(launch, "container_spec_gcs_path", o.template_path());
    text(launch, "location", o.region());
    text(launch, "machine_type", accelerator.machineType);
    number(launch, "max_workers", o.max_workers());
    number(launch, "num_workers", o.num_workers());
    number(launch, "disk_size_gb", o.disk_size_gb());
    text(launch, "service_account_email", o.service_account());
    text(launch, "temp_location", o.temp_location());
    text(launch, "staging_location", o.staging_location());
    text(launch, "network", o.network());
    text(launch, "subnetwork", o.subnetwork());
    text(launch, "worker_zone", o.worker_zone());
    text(launch, "sdk_container_image", o.image());
    ir::Type structType;
    structType.mutable_map()->set_scalar(ir::STRING);

    mp::PipelineTaskSpec *first = nullptr;
    bool artifacts = hasArtifacts(job);
    if (artifacts) {
      // The task that holds the artifacts takes the call's place: its name,
      // inputs and options, so consumers of the job's outputs read from it.
      ir::Task holder = task;
      holder.set_component(kJobArgs + job.name());
      holder.mutable_options()->clear_resources();
      first = lowerTask(holder, s);
      if (!first)
        return nullptr;
      taskOutput(launch, "parameters", task.name(), "parameters", structType);
    } else {
      // Parameters only: one entry per parameter, as text (the template's
      // parameters are strings), computed ones as placeholders.
      ir::Expr &params = *(*launch.mutable_inputs())["parameters"].mutable_expr();
      *params.mutable_type() = structType;
      auto &entries = *params.mutable_map()->mutable_entries();
      for (const ir::Parameter &in : job.interface().inputs()) {
        auto bound = task.inputs().find(in.name());
        if (bound != task.inputs().end() && bound->second.has_one_of()) {
          unsupported(task.location(), fmt::format("a one-of value for `{}` of Dataflow job `{}`",
                                                   in.name(), job.name()));
          return nullptr;
        }
        ir::Value value;
        if (bound != task.inputs().end() && !constantOf(bound->second.expr(), &value)) {
          entries[in.name()] = bound->second.expr();
          continue;
        }
        if (bound == task.inputs().end()) {
          if (!in.has_default_value())
            continue;
          value = in.default_value();
        }
        entries[in.name()].mutable_constant()->set_string_value(parameterText(value));
      }
      if (!accelerator.serviceOption.empty())
        entries["dataflow_service_options"].mutable_constant()->set_string_value(
            accelerator.serviceOption);
      *launch.mutable_after() = task.after();
      launch.mutable_options()->set_display_name(task.options().display_name());
    }
    mp::PipelineTaskSpec *launched = lowerTask(launch, s);
    if (!launched)
      return nullptr;
    first = first ? first : launched;
    ir::Task wait = newTask("wait", kWaitGcpResources);
    ir::Type stringType;
    stringType.set_scalar(ir::STRING);
    taskOutput(wait, "gcp_resources", launch.name(), "gcp_resources", stringType);
    if (!lowerTask(wait, s))
      return nullptr;
    // Whoever names the call (its outputs, `after`) waits for the job.
    if (artifacts)
      jobWait_[keyOf_[task.name()]] = keyOf_[wait.name()];
    else
      keyOf_[task.name()] = keyOf_[wait.name()];
    scopeOfTask_[task.name()] = &s;
    return first;
  }

  // A template parameter's text for a constant: what the job's option parser
  // reads (ints and floats as Python writes them, lists and maps as JSON).
  // Not runtimeText's form: that one writes floats as the KFP SDK's string
  // interpolation does (its goldens), this one as main.py's float() reads.
  static std::string parameterText(const ir::Value &v) {
    switch (v.kind_case()) {
    case ir::Value::kStringValue:
      return v.string_value();
    case ir::Value::kIntValue:
      return std::to_string(v.int_value());
    case ir::Value::kFloatValue:
      return pythonFloat(v.float_value());
    case ir::Value::kBoolValue:
      return v.bool_value() ? "true" : "false";
    default:
      return pythonJson(v);
    }
  }

  // Dependencies are collected while lowering (channels add them to group
  // tasks) and written sorted at the end, as the SDK writes them.
  void writeDependencies() {
    for (auto &[task, deps] : deps_) {
      deps.erase("");
      for (const std::string &d : deps)
        task->add_dependent_tasks(d);
    }
  }

  void pipelineOutput(const ir::PipelineOutput &out, DagScope &root) {
    bool artifact = out.type().has_artifact();
    Source src;
    if (out.value().has_one_of())
      src = oneOf(root, out.value().one_of(), out.type(), artifact, {});
    else if (out.value().expr().has_ref())
      src = resolve(root, out.value().expr().ref(), out.type(), artifact, {});
    if (src.kind != Source::Kind::TaskOutput) {
      if (src.kind != Source::Kind::None)
        unsupported(
            {}, fmt::format("pipeline output `{}` (only task outputs are lowered)", out.name()));
      return;
    }
    mp::ComponentSpec *comp = root.comp;
    if (artifact) {
      auto &a = (*comp->mutable_output_definitions()->mutable_artifacts())[out.name()];
      *a.mutable_artifact_type() = artifactType(out.type());
      auto *sel = (*comp->mutable_dag()->mutable_outputs()->mutable_artifacts())[out.name()]
                      .add_artifact_selectors();
      sel->set_producer_subtask(src.producer);
      sel->set_output_artifact_key(src.name);
    } else {
      (*comp->mutable_output_definitions()->mutable_parameters())[out.name()].set_parameter_type(
          parameterType(out.type()));
      auto *sel = (*comp->mutable_dag()->mutable_outputs()->mutable_parameters())[out.name()]
                      .mutable_value_from_parameter();
      sel->set_producer_subtask(src.producer);
      sel->set_output_parameter_key(src.name);
    }
  }

  // --share-executors: identical executors, then identical leaf components, keep the first key
  // in sorted order and every reference moves to it. Executors with Kubernetes settings keep
  // their own key, since the PlatformSpec names them.
  void shareIdentical() {
    std::map<std::string, std::string> execAlias =
        duplicates(*deployment_.mutable_executors(),
                   [&](const std::string &key) { return executorPlatform_.count(key) == 0; });
    auto &components = *spec_.mutable_components();
    for (auto &[key, comp] : components)
      if (auto it = execAlias.find(comp.executor_label()); it != execAlias.end())
        comp.set_executor_label(it->second);
    std::map<std::string, std::string> compAlias = duplicates(
        components, [&](const std::string &key) { return !components.at(key).has_dag(); });
    auto retarget = [&](mp::ComponentSpec &c) {
      for (auto &[name, task] : *c.mutable_dag()->mutable_tasks())
        if (auto it = compAlias.find(task.component_ref().name()); it != compAlias.end())
          task.mutable_component_ref()->set_name(it->second);
    };
    retarget(*spec_.mutable_root());
    for (auto &[key, comp] : components)
      if (comp.has_dag())
        retarget(comp);
  }

  // Removes the entries of `map` equal to an earlier one (by key order) among those `eligible`
  // accepts; returns removed key -> kept key.
  template <typename Map, typename Eligible>
  static std::map<std::string, std::string> duplicates(Map &map, Eligible eligible) {
    std::map<std::string, std::string> keptByBytes, alias;
    std::vector<std::string> keys;
    for (const auto &[key, value] : map)
      keys.push_back(key);
    std::sort(keys.begin(), keys.end());
    for (const std::string &key : keys) {
      if (!eligible(key))
        continue;
      std::string bytes;
      {
        pb::io::StringOutputStream stream(&bytes);
        pb::io::CodedOutputStream coded(&stream);
        coded.SetSerializationDeterministic(true);
        map.at(key).SerializeToCodedStream(&coded);
      }
      auto [it, fresh] = keptByBytes.emplace(std::move(bytes), key);
      if (!fresh)
        alias[key] = it->second;
    }
    for (const auto &[removed, kept] : alias)
      map.erase(removed);
    return alias;
  }

  const ir::Module &m_;
  const KfpOptions &o_;
  mp::PipelineSpec spec_;
  mp::PipelineDeploymentConfig deployment_;
  std::vector<KfpError> errors_;
  ir::SourceLocation rootLocation_; // where errors without a location of their own point
  KeySet taskKeys_;                 // in the pipeline being lowered
  KeySet componentKeys_;            // in the file, without `comp-`
  std::map<std::string, std::string> reservedComponentKey_; // exit task -> its component key
  std::map<std::string, std::string> keyOf_;                // IR task name -> KFP task key
  std::map<std::string, DagScope *> scopeOfTask_;           // IR task name -> its DAG
  std::map<std::string, std::pair<DagScope *, std::string>> loopItems_; // loop id -> item input
  std::map<const DagScope *, std::string> groupKey_;
  std::map<mp::PipelineTaskSpec *, std::set<std::string>> deps_;
  std::deque<DagScope> scopes_;
  std::string exitHandler_; // set while lowering a `finally` block's tasks
  int groups_ = 0;
  int oneofs_ = 0;
  std::map<std::pair<const DagScope *, std::string>, std::string> oneofOutputs_; // -> output
  std::map<std::string, pb::Struct> executorPlatform_; // exec key -> KubernetesExecutorConfig
  std::map<std::string, std::string> nestedKeys_;      // nested pipeline -> its component key
  std::map<std::pair<std::string, std::string>, std::string> outputKeys_; // renamed outputs
  std::map<std::string, std::string> importerUri_; // importer task -> the input holding its URI
  // The task holding a Dataflow job's artifacts -> the task waiting for the job.
  std::map<std::string, std::string> jobWait_;
};

} // namespace

KfpResult compileToKfp(const ir::Module &module, const KfpOptions &options) {
  bool callsJob = false;
  for (const auto &[name, p] : module.pipelines())
    callsJob = callsJob || (p.dataflow_job() && name != module.root_pipeline());
  if (!callsJob)
    return Lowering(module, options).run();
  // The components a call to a Dataflow job lowers to (see dataflowJob).
  ir::Module withJobs = module;
  auto &components = *withJobs.mutable_components();
  if (!components.count(kFlexTemplate)) {
    if (!options.dataflowFlexTemplate)
      return {"",
              {{module.pipelines().at(module.root_pipeline()).location(),
                "internal error: no IR for std.gcp.dataflow_flex_template was given",
                "this is a bug in mlpc; please report it"}}};
    components[kFlexTemplate] = *options.dataflowFlexTemplate;
  }
  components[kWaitGcpResources] = waitGcpResourcesComponent();
  for (const auto &[name, p] : module.pipelines())
    if (p.dataflow_job() && hasArtifacts(p))
      components[kJobArgs + name] = jobArgsComponent(p);
  return Lowering(withJobs, options).run();
}

} // namespace mlpc::kfp
